import NIOCore
import Wire

/// MQTT for `DirectionDecoder`: the decoder keeps the stream offset (its errors name it), so
/// bytes that pass by without being decoded advance it.
extension MQTTDecoder: StreamCodec {
    static func refusedLength(of failure: MQTTDecodeError) -> Int? { failure.packetLength }

    mutating func passed(_ count: Int) {
        streamOffset += count
    }

    func resynchronize(_ buffer: ByteBuffer) -> Int? {
        MQTTFraming.resynchronize(buffer, version: version, maximumPacketSize: maximumPacketSize)
    }

    /// Its type, declared length, and a PUBLISH's topic.
    func partialMessage(in buffer: ByteBuffer) -> PartialMessage? {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
            let type = MQTTPacketType(rawValue: first >> 4),
            let length = try? MQTTFraming.remainingLength(in: buffer)
        else { return nil }
        var topic: String?
        if type == .publish, let topicLength = buffer.getInteger(at: buffer.readerIndex + 1 + length.byteCount, as: UInt16.self),
            let bytes = buffer.getBytes(at: buffer.readerIndex + 3 + length.byteCount, length: Int(topicLength))
        {
            topic = String(decoding: bytes, as: UTF8.self)
        }
        return PartialMessage(
            type: type.name, declaredLength: 1 + length.byteCount + length.value, capturedLength: buffer.readableBytes, topic: topic)
    }
}
