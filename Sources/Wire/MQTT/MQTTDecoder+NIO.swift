import NIOCore

/// The thin SwiftNIO shell: `ByteToMessageHandler(MQTTDecoder())` in a channel pipeline, or
/// `NIOSingleStepByteToMessageProcessor(MQTTDecoder())` outside one. The state machine is
/// `decode(buffer:)` itself; nothing here adds state.
extension MQTTDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = MQTTPacket

    /// At end of stream, whole packets still decode; a partial one is left for NIO to report
    /// as leftover bytes.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> MQTTPacket? {
        try decode(buffer: &buffer)
    }
}
