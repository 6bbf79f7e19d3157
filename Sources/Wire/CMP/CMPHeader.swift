import NIOCore

/// The first two to five bytes of every CMP message: type and flags, then the remaining length.
///
/// Checked in the order the bytes arrive, so a bad stream fails as early as possible: type and
/// flags with the first byte, the length's size with its fourth byte, the size limit as soon as
/// the length is known, never after buffering the body.
struct CMPHeader {
    var type: CMPMessageType
    /// The low four bits of the first byte, only bits the type defines.
    var flags: UInt8
    /// The length of everything after the header.
    var remainingLength: Int
    /// 2 to 5 bytes.
    var headerLength: Int

    /// The whole message's length on the wire.
    var messageLength: Int { headerLength + remainingLength }

    /// Reads the header at `buffer`'s reader index without consuming anything.
    ///
    /// nil while the header is incomplete. Throws for a reserved type or flag, a remaining
    /// length longer than four bytes or not minimal (framing lost: `messageLength` nil), and a
    /// message over `maximumMessageSize` (framing sound: `messageLength` set).
    @inline(__always)
    static func parse(_ buffer: ByteBuffer, maximumMessageSize: Int) throws(CMPDecodeError) -> CMPHeader? {
        let start = buffer.readerIndex
        guard let first = buffer.getInteger(at: start, as: UInt8.self) else { return nil }
        guard let type = CMPMessageType(rawValue: first >> 4) else {
            throw CMPDecodeError(.reservedType(first >> 4), offset: 0)
        }
        let flags = first & 0x0F
        guard flags & ~type.definedFlags == 0 else {
            throw CMPDecodeError(.reservedFlags(type: type, flags: flags), offset: 0, messageType: type)
        }
        switch CMPVarint.parse(buffer, at: start + 1) {
        case .incomplete:
            return nil
        case .tooLong:
            throw CMPDecodeError(.remainingLengthTooLong, offset: 1, messageType: type)
        case .value(let remaining, let byteCount, let minimal):
            guard minimal else { throw CMPDecodeError(.nonMinimalRemainingLength, offset: 1, messageType: type) }
            let header = CMPHeader(type: type, flags: flags, remainingLength: remaining, headerLength: 1 + byteCount)
            let length = header.messageLength
            guard length <= maximumMessageSize else {
                throw CMPDecodeError(
                    .messageTooLarge(length: length, maximum: maximumMessageSize), offset: 0, messageType: type,
                    messageLength: length)
            }
            return header
        }
    }
}
