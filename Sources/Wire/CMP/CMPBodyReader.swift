import NIOCore

/// Reads the fields of one complete message, turning a short message into a typed error that
/// names the field and its offset, and collecting the message's problems.
///
/// `buffer` is a view of exactly the message: a copy of the caller's `ByteBuffer` (sharing its
/// storage, nothing is copied) whose writer index is moved to the message's end, so every read
/// stops there. A view rather than a slice because NIO copies a slice that starts beyond 16 MiB
/// into a new buffer, and a capture file read whole is often larger than that; a view is never
/// copied, and a payload taken from it (`readRest`) shares the caller's bytes.
struct CMPBodyReader {
    var buffer: ByteBuffer
    let type: CMPMessageType
    let flags: UInt8
    /// The buffer index of the message's first byte.
    let messageStart: Int
    let messageLength: Int
    var problems = Problems()

    @inline(__always)
    init(message: ByteBuffer, header: CMPHeader) {
        buffer = message
        type = header.type
        flags = header.flags
        messageStart = message.readerIndex
        messageLength = header.messageLength
        buffer.moveReaderIndex(forwardBy: header.headerLength)
    }

    /// Bytes from the message's first byte to the next unread one.
    var offset: Int { buffer.readerIndex - messageStart }

    func error(_ kind: CMPDecodeError.Kind, at offset: Int) -> CMPDecodeError {
        CMPDecodeError(kind, offset: offset, messageType: type, messageLength: messageLength)
    }

    @inline(__always)
    mutating func readUInt8(_ field: String) throws(CMPDecodeError) -> UInt8 {
        guard let value = buffer.readInteger(as: UInt8.self) else { throw error(.fieldTruncated(field), at: offset) }
        return value
    }

    @inline(__always)
    mutating func readUInt16(_ field: String) throws(CMPDecodeError) -> UInt16 {
        guard let value = buffer.readInteger(as: UInt16.self) else { throw error(.fieldTruncated(field), at: offset) }
        return value
    }

    @inline(__always)
    mutating func readUInt32(_ field: String) throws(CMPDecodeError) -> UInt32 {
        guard let value = buffer.readInteger(as: UInt32.self) else { throw error(.fieldTruncated(field), at: offset) }
        return value
    }

    @inline(__always)
    mutating func readUInt64(_ field: String) throws(CMPDecodeError) -> UInt64 {
        guard let value = buffer.readInteger(as: UInt64.self) else { throw error(.fieldTruncated(field), at: offset) }
        return value
    }

    /// A `string`: a u16 length and that much UTF-8. Kept whatever its bytes (invalid
    /// sequences become U+FFFD); invalid UTF-8 and U+0000 are problems, not errors.
    @inline(__always)
    mutating func readString(_ field: String) throws(CMPDecodeError) -> String {
        let start = buffer.readerIndex
        guard let length = buffer.getInteger(at: start, as: UInt16.self), 2 + Int(length) <= buffer.readableBytes else {
            throw error(.fieldTruncated(field), at: offset)
        }
        buffer.moveReaderIndex(forwardBy: 2)
        return readText(length: Int(length), field, forbidsNull: true)
    }

    /// `length` bytes (the caller checked they are there) as text. For `string` fields U+0000
    /// is a problem too; extension values are only said to be UTF-8.
    @inline(__always)
    mutating func readText(length: Int, _ field: @autoclosure () -> String, forbidsNull: Bool) -> String {
        let text = buffer.withUnsafeReadableBytes { CMPText(UnsafeRawBufferPointer(rebasing: $0[..<length])) }
        buffer.moveReaderIndex(forwardBy: length)
        if !text.isValidUTF8 { problems.add("invalid UTF-8 in \(field())") }
        if forbidsNull && text.containsNull { problems.add("U+0000 in \(field())") }
        return text.string
    }

    /// The rest of the message, a view sharing the caller's storage (SEND and DELIVER
    /// payloads): its readable bytes are the payload, its reader index need not be 0.
    @inline(__always)
    mutating func readRest() -> ByteBuffer {
        let rest = buffer
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return rest
    }

    /// A message without a payload ends with its last field: a later version adds fields as
    /// extensions, never as trailing bytes, so bytes left over mean the message is malformed.
    @inline(__always)
    func expectEnd() throws(CMPDecodeError) {
        let count = buffer.readableBytes
        guard count == 0 else { throw error(.trailingBytes(count), at: offset) }
    }
}

/// Text from the wire, checked once: the common all-ASCII string costs one pass over its bytes
/// and, up to 15 bytes, no allocation (Swift keeps such strings inline).
struct CMPText {
    var string: String
    var isValidUTF8: Bool
    var containsNull: Bool

    @inline(__always)
    init(_ bytes: UnsafeRawBufferPointer) {
        var union: UInt8 = 0
        var nulls = 0
        for byte in bytes {
            union |= byte
            nulls &+= byte == 0 ? 1 : 0
        }
        containsNull = nulls != 0
        if union < 0x80 {
            string = String(decoding: bytes, as: UTF8.self)
            isValidUTF8 = true
        } else if let valid = String(validating: bytes, as: UTF8.self) {
            string = valid
            isValidUTF8 = true
        } else {
            string = String(decoding: bytes, as: UTF8.self)
            isValidUTF8 = false
        }
    }
}
