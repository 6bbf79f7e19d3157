import NIOCore
import NIOTestUtils
import Testing
import Wire

/// The MQTT and CMP decoders through NIO's own checker, `ByteToMessageDecoderVerifier`: every
/// vector fed whole, byte by byte, in random chunks and after the others, in a channel, with
/// nothing left over. The decoders are what the CM's pipeline and the capture decoder both run.
@Suite("NIO's ByteToMessageDecoderVerifier")
struct NIOVerifierTests {
    @Test("MQTT: every vector of each version", arguments: [MQTTVersion.v3_1, .v3_1_1, .v5])
    func mqtt(version: MQTTVersion) throws {
        let vectors = allVectors.filter { $0.version == version }
        #expect(!vectors.isEmpty)
        let pairs = try vectors.map { vector -> (ByteBuffer, [MQTTPacket]) in
            var decoder = MQTTDecoder(version: version)
            return (ByteBuffer(bytes: vector.bytes), try decodeAll(vector.bytes, decoder: &decoder))
        }
        #expect(pairs.allSatisfy { $0.1.count == 1 })
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { MQTTVerifiedDecoder(version: version) }
    }

    @Test("CMP: every vector")
    func cmp() throws {
        let pairs = try CMPVectors.all.map { vector -> (ByteBuffer, [CMPFrame]) in
            var decoder = CMPDecoder()
            return (ByteBuffer(bytes: vector.bytes), try cmpDecodeAll(vector.bytes, decoder: &decoder))
        }
        #expect(!pairs.isEmpty && pairs.allSatisfy { $0.1.count == 1 })
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { CMPVerifiedDecoder() }
    }
}

/// `MQTTDecoder` as a `ByteToMessageDecoder`, for `ByteToMessageDecoderVerifier` (which takes
/// only that protocol; `ByteToMessageHandler` takes the single-step one directly).
struct MQTTVerifiedDecoder: ByteToMessageDecoder {
    typealias InboundOut = MQTTPacket
    var decoder: MQTTDecoder

    init(version: MQTTVersion) {
        decoder = MQTTDecoder(version: version)
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let packet = try decoder.decode(buffer: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(packet))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        try decode(context: context, buffer: &buffer)
    }
}

/// `CMPDecoder` as a `ByteToMessageDecoder`, for NIOTestUtils' `ByteToMessageDecoderVerifier`
/// (which takes only that protocol; `ByteToMessageHandler` takes the single-step one directly).
struct CMPVerifiedDecoder: ByteToMessageDecoder {
    typealias InboundOut = CMPFrame
    var decoder = CMPDecoder()

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try decoder.decode(buffer: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        try decode(context: context, buffer: &buffer)
    }
}
