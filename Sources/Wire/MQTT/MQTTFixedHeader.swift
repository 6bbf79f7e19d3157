import NIOCore

/// The first two to five bytes of every MQTT packet: type and flags, then the remaining length
/// as a variable byte integer.
///
/// Checked in the order the bytes arrive, so a bad stream fails as early as possible: the
/// type and flags with the first byte, the length's size with its fourth byte, the limit as
/// soon as the length is known (never after buffering the body).
public struct MQTTFixedHeader: Hashable, Sendable {
    public var type: MQTTPacketType
    /// The low four bits of the first byte.
    public var flags: UInt8
    /// The length of everything after the fixed header.
    public var remainingLength: Int
    /// 2 to 5 bytes.
    public var headerLength: Int

    public init(type: MQTTPacketType, flags: UInt8, remainingLength: Int, headerLength: Int) {
        self.type = type
        self.flags = flags
        self.remainingLength = remainingLength
        self.headerLength = headerLength
    }

    /// The whole packet's length on the wire.
    public var packetLength: Int { headerLength + remainingLength }

    /// The largest remaining length four bytes can carry.
    public static let maximumRemainingLength = 268_435_455

    /// Reads the header at `buffer`'s reader index without consuming it.
    ///
    /// Returns nil while the header is incomplete; throws (packetLength nil unless the header is
    /// sound) for a reserved type, invalid flags, a remaining length that is longer than four
    /// bytes or not minimally encoded, and a packet over `maximumPacketSize`.
    static func parse(
        _ buffer: ByteBuffer, streamOffset: Int, maximumPacketSize: Int
    ) throws(MQTTDecodeError) -> MQTTFixedHeader? {
        let start = buffer.readerIndex
        guard let first = buffer.getInteger(at: start, as: UInt8.self) else { return nil }
        guard let type = MQTTPacketType(rawValue: first >> 4) else {
            throw MQTTDecodeError(.reservedPacketType(firstByte: first), offset: streamOffset, packetOffset: streamOffset)
        }
        let flags = first & 0x0F
        guard type.allowsFlags(flags) else {
            throw MQTTDecodeError(
                .invalidFlags(type, flags: flags), offset: streamOffset, packetOffset: streamOffset, packetType: type)
        }
        switch MQTTFixedHeader.remainingLength(in: buffer, at: start + 1) {
        case .incomplete:
            return nil
        case .tooLong:
            throw MQTTDecodeError(
                .remainingLengthTooLong, offset: streamOffset + 1, packetOffset: streamOffset, packetType: type)
        case .nonMinimal(let value, let byteCount):
            throw MQTTDecodeError(
                .nonMinimalRemainingLength(value: value, byteCount: byteCount), offset: streamOffset + 1,
                packetOffset: streamOffset, packetType: type)
        case .length(let value, let byteCount):
            let header = MQTTFixedHeader(type: type, flags: flags, remainingLength: value, headerLength: 1 + byteCount)
            guard header.packetLength <= maximumPacketSize else {
                throw MQTTDecodeError(
                    .packetTooLarge(size: header.packetLength, limit: maximumPacketSize), offset: streamOffset,
                    packetOffset: streamOffset, packetType: type, packetLength: header.packetLength)
            }
            return header
        }
    }

    enum RemainingLength: Equatable {
        case incomplete
        case tooLong
        case nonMinimal(value: Int, byteCount: Int)
        case length(value: Int, byteCount: Int)
    }

    /// Reads a remaining length starting at `index`: up to four bytes of seven bits, least
    /// significant first. A final byte of 0 after the first means the encoding was longer than
    /// the value needs (the spec requires the minimal form; accepting others would make framing
    /// ambiguous for resynchronization).
    static func remainingLength(in buffer: ByteBuffer, at index: Int) -> RemainingLength {
        var value = 0
        for position in 0..<4 {
            guard let byte = buffer.getInteger(at: index + position, as: UInt8.self) else { return .incomplete }
            value |= Int(byte & 0x7F) << (7 * position)
            if byte & 0x80 == 0 {
                if position > 0 && byte == 0 { return .nonMinimal(value: value, byteCount: position + 1) }
                return .length(value: value, byteCount: position + 1)
            }
        }
        return .tooLong
    }
}
