import NIOCore
import Wire

/// CMP for `DirectionDecoder`: a `CMPDecoder` keeps no state but its size limit.
extension CMPDecoder: StreamCodec {
    static func refusedLength(of failure: CMPDecodeError) -> Int? { failure.messageLength }

    @discardableResult
    func discard(_ count: Int, from buffer: inout ByteBuffer) -> Int {
        let dropped = min(max(count, 0), buffer.readableBytes)
        buffer.moveReaderIndex(forwardBy: dropped)
        return dropped
    }

    func passed(_ count: Int) {}

    func resynchronize(_ buffer: ByteBuffer) -> Int? {
        CMPFraming.resynchronize(buffer, maximumMessageSize: maximumMessageSize)
    }

    /// Its type, declared length, and a SEND's recipient.
    func partialMessage(in buffer: ByteBuffer) -> PartialMessage? {
        let start = buffer.readerIndex
        guard let first = buffer.getInteger(at: start, as: UInt8.self),
            let type = CMPMessageType(rawValue: first >> 4),
            let declared = awaitedMessageLength(in: buffer)
        else { return nil }
        var recipient: String?
        if type == .send {
            // The header is 1 byte plus a varint of 1 to 4; the body starts with a u32 id.
            var headerLength = 2
            while headerLength < 5, let byte = buffer.getInteger(at: start + headerLength - 1, as: UInt8.self), byte & 0x80 != 0 { headerLength += 1 }
            if let length = buffer.getInteger(at: start + headerLength + 4, as: UInt16.self),
                let bytes = buffer.getBytes(at: start + headerLength + 6, length: Int(length))
            {
                recipient = String(decoding: bytes, as: UTF8.self)
            }
        }
        return PartialMessage(type: type.name, declaredLength: declared, capturedLength: buffer.readableBytes, topic: recipient)
    }
}
