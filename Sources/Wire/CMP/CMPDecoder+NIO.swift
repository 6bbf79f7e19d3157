import NIOCore

/// The thin SwiftNIO shell: `ByteToMessageHandler(CMPDecoder())` in a channel pipeline, or
/// `NIOSingleStepByteToMessageProcessor(CMPDecoder())` outside one. The state machine is
/// `decode(buffer:)` itself; nothing here adds state.
extension CMPDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = CMPFrame

    /// At end of stream, whole messages still decode; a partial one is left for NIO to report
    /// as leftover bytes.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> CMPFrame? {
        try decode(buffer: &buffer)
    }
}
