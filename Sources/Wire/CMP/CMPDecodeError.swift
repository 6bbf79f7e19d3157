/// Why the decoder could not return a message.
///
/// Thrown only when the bytes cannot be read as a CMP message; a message that frames and reads
/// correctly but breaks a rule is returned with `CMPFrame.problems` instead (see
/// CMPDecoder.swift). `messageLength` says whether the stream can go on: when the header was
/// sound it is the whole message's length, and the caller can drop exactly that many bytes and
/// keep decoding; when it is nil the stream position cannot be trusted (a reserved type or flag,
/// a bad remaining length) and the caller looks for the next message with
/// `CMPFraming.resynchronize`, or, being a server, closes the connection.
public struct CMPDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A reserved message type (0, or 11 to 15): the high four bits of the first byte.
        case reservedType(UInt8)
        /// Flag bits the type does not define (`flags` is the whole low nibble).
        case reservedFlags(type: CMPMessageType, flags: UInt8)
        /// The remaining length's fourth byte still has its continuation bit set.
        case remainingLengthTooLong
        /// The remaining length is encoded in more bytes than its value needs (`0x80 0x00`).
        case nonMinimalRemainingLength
        /// The whole message, header included, is over the decoder's `maximumMessageSize`.
        /// Thrown as soon as the header is in, before the body is buffered.
        case messageTooLarge(length: Int, maximum: Int)
        /// The message ends before the named field does ("recipient", "extensions", ...).
        case fieldTruncated(String)
        /// This many bytes follow the last field of a message without a payload.
        case trailingBytes(Int)
        /// An extension entry runs past its block, or the block past the message.
        case extensionOverrun
        /// A varint in the body (named) continues past four bytes.
        case varintTooLong(String)
    }

    /// What went wrong.
    public var kind: Kind
    /// Bytes from the message's first byte to where the problem is: the start of the field
    /// that is cut, of the entry that overruns, of the trailing bytes; 0 or 1 in the header.
    public var offset: Int
    /// The message's type when its first byte named one.
    public var messageType: CMPMessageType?
    /// The whole message's length when the framing is sound (the caller can skip the message
    /// and go on); nil when the stream position is suspect.
    public var messageLength: Int?

    public init(_ kind: Kind, offset: Int, messageType: CMPMessageType? = nil, messageLength: Int? = nil) {
        self.kind = kind
        self.offset = offset
        self.messageType = messageType
        self.messageLength = messageLength
    }

    /// Whether the message's boundaries are known, so decoding can resume right after it.
    public var isFramingIntact: Bool { messageLength != nil }

    /// One line, what and where: "CMP SEND: recipient runs past the end of the message
    /// (offset 6 of 12)".
    public var description: String {
        let message = messageType.map { "CMP \($0.name)" } ?? "CMP"
        let place = messageLength.map { "(offset \(offset) of \($0))" } ?? "(offset \(offset))"
        switch kind {
        case .reservedType(let type):
            return "\(message): reserved message type \(type) \(place)"
        case .reservedFlags(let type, let flags):
            return "\(message): reserved flag bits 0x\(hex2(flags & ~type.definedFlags)) set \(place)"
        case .remainingLengthTooLong:
            return "\(message): the remaining length continues past 4 bytes \(place)"
        case .nonMinimalRemainingLength:
            return "\(message): the remaining length is encoded in more bytes than it needs \(place)"
        case .messageTooLarge(let length, let maximum):
            return "\(message): the message is \(length) bytes, over the maximum of \(maximum) \(place)"
        case .fieldTruncated(let field):
            return "\(message): \(field) runs past the end of the message \(place)"
        case .trailingBytes(let count):
            return "\(message): \(count) byte\(count == 1 ? "" : "s") after the last field \(place)"
        case .extensionOverrun:
            return "\(message): an extension runs past its block, or the block past the message \(place)"
        case .varintTooLong(let field):
            return "\(message): the \(field) varint continues past 4 bytes \(place)"
        }
    }
}
