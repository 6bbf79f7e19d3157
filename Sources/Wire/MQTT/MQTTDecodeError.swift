/// Why the decoder could not return a packet.
///
/// Thrown only when the bytes cannot be read as a packet at all; a packet that frames correctly
/// but breaks a rule is returned with `MQTTPacket.problems` instead (see MQTTDecoder.swift).
/// `packetLength` says whether the stream can go on: when the fixed header was sound it is the
/// packet's whole length and the caller can skip exactly that many bytes from `packetOffset`
/// and keep decoding; when it is nil the stream position cannot be trusted and the caller has
/// to look for the next packet with `MQTTFraming.resynchronize`.
public struct MQTTDecodeError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// Packet type 0, reserved in every version (`firstByte` is the whole first byte).
        case reservedPacketType(firstByte: UInt8)
        /// Fixed-header flags the type does not allow, including QoS 3 in a PUBLISH.
        case invalidFlags(MQTTPacketType, flags: UInt8)
        /// The remaining length's fourth byte still has its continuation bit set.
        case remainingLengthTooLong
        /// The remaining length was encoded in more bytes than its value needs (0x80 0x00 for 0).
        case nonMinimalRemainingLength(value: Int, byteCount: Int)
        /// The whole packet (fixed header included) is larger than the decoder's limit.
        case packetTooLarge(size: Int, limit: Int)
        /// The packet ends before `field` does.
        case truncated(field: String)
        /// A variable byte integer inside the packet continues past four bytes.
        case malformedVariableByteInteger(field: String)
        /// A property identifier MQTT 5.0 does not define: its value's length is unknown.
        case unknownProperty(id: UInt8)
    }

    /// What went wrong.
    public var kind: Kind
    /// The stream offset of the byte where it went wrong.
    public var offset: Int
    /// The stream offset of the packet's first byte.
    public var packetOffset: Int
    /// The packet's type when its first byte named one.
    public var packetType: MQTTPacketType?
    /// The packet's whole length when its fixed header was sound (framing intact), else nil.
    public var packetLength: Int?

    public init(
        _ kind: Kind, offset: Int, packetOffset: Int, packetType: MQTTPacketType? = nil, packetLength: Int? = nil
    ) {
        self.kind = kind
        self.offset = offset
        self.packetOffset = packetOffset
        self.packetType = packetType
        self.packetLength = packetLength
    }

    /// Whether the packet's boundaries are known, so decoding can resume right after it.
    public var isFramingIntact: Bool { packetLength != nil }

    public var description: String {
        let packet = "MQTT \(packetType?.name ?? "packet") at offset \(packetOffset)"
        switch kind {
        case .reservedPacketType(let byte):
            return "MQTT: reserved packet type 0 (first byte 0x\(hex2(byte))) at offset \(packetOffset)"
        case .invalidFlags(let type, let flags):
            if type == .publish {
                return "\(packet): QoS 3 in the fixed header (flags 0x\(hex2(flags))) is invalid"
            }
            let required = type.requiredFlags.map { "0x" + hex2($0) } ?? "?"
            return "\(packet): fixed-header flags 0x\(hex2(flags)) are invalid, \(type.name) requires \(required)"
        case .remainingLengthTooLong:
            return "\(packet): the remaining length continues past 4 bytes"
        case .nonMinimalRemainingLength(let value, let count):
            return "\(packet): remaining length \(value) is encoded in \(count) bytes, more than it needs"
        case .packetTooLarge(let size, let limit):
            return "\(packet): the packet is \(size) bytes, over the limit of \(limit) bytes"
        case .truncated(let field):
            let length = packetLength.map { " (\($0) bytes)" } ?? ""
            return "\(packet)\(length) ends inside the \(field) (offset \(offset))"
        case .malformedVariableByteInteger(let field):
            return "\(packet): the \(field) at offset \(offset) continues past 4 bytes"
        case .unknownProperty(let id):
            return "\(packet): unknown property identifier 0x\(hex2(id)) at offset \(offset); the rest cannot be read"
        }
    }
}
