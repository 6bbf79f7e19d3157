import NIOCore
import Testing
import Wire

/// What decoding a stream produced, position by position: a packet or an error. After an
/// error the decoder skips one byte (the simplest recovery that does not depend on chunking).
enum Outcome: Equatable {
    case packet(MQTTPacket)
    case error(MQTTDecodeError)
}

/// Decodes `bytes` fed in chunks of `chunk` bytes, with the checks every call must pass:
/// progress on every call, never waiting for more than `maximumPacketSize`, and a buffer
/// that never holds a whole awaited packet while the decoder says it needs more.
func outcomes(
    _ bytes: [UInt8], chunk: Int, version: MQTTVersion?, maximumPacketSize: Int,
    sourceLocation: SourceLocation = #_sourceLocation
) -> [Outcome] {
    var decoder = MQTTDecoder(version: version, maximumPacketSize: maximumPacketSize)
    var buffer = ByteBuffer()
    var results: [Outcome] = []
    var fed = 0
    var calls = 0
    while true {
        calls += 1
        if calls > 4 * bytes.count + 10 {
            Issue.record("decoder loops", sourceLocation: sourceLocation)
            return results
        }
        let before = buffer.readerIndex
        do {
            if let packet = try decoder.decode(buffer: &buffer) {
                #expect(buffer.readerIndex - before == packet.wireLength, sourceLocation: sourceLocation)
                #expect(packet.wireLength >= 2 && packet.wireLength <= maximumPacketSize, sourceLocation: sourceLocation)
                results.append(.packet(packet))
                continue
            }
            #expect(buffer.readerIndex == before, sourceLocation: sourceLocation)
            let awaited = decoder.awaitedPacketLength ?? 5
            #expect(awaited <= max(maximumPacketSize, 5), sourceLocation: sourceLocation)
            #expect(buffer.readableBytes < awaited, sourceLocation: sourceLocation)
        } catch {
            #expect(buffer.readerIndex == before, sourceLocation: sourceLocation)
            results.append(.error(error))
            decoder.discard(1, from: &buffer)
            continue
        }
        guard fed < bytes.count else { return results }
        let end = min(fed + chunk, bytes.count)
        buffer.writeBytes(bytes[fed..<end])
        fed = end
    }
}

@Suite("MQTT decoder robustness")
struct MQTTFuzzTests {
    @Test(
        "random bytes never crash, never loop, never wait for more than the limit, and chunking does not change the result",
        arguments: [MQTTVersion?.none, .v3_1, .v5])
    func randomBytes(version: MQTTVersion?) {
        var random = SeededGenerator(seed: 0x4D51_5454 &+ UInt64(version?.rawValue ?? 0))
        var packets = 0
        var errors = 0
        for _ in 0..<1500 {
            let bytes = random.bytes(Int.random(in: 0...160, using: &random))
            let limit = Bool.random(using: &random) ? 64 : MQTTDecoder.defaultMaximumPacketSize
            let whole = outcomes(bytes, chunk: bytes.count + 1, version: version, maximumPacketSize: limit)
            let bytewise = outcomes(bytes, chunk: 1, version: version, maximumPacketSize: limit)
            let chunked = outcomes(bytes, chunk: 7, version: version, maximumPacketSize: limit)
            #expect(whole == bytewise && whole == chunked)
            for outcome in whole {
                if case .packet = outcome { packets += 1 } else { errors += 1 }
            }
        }
        #expect(packets > 0 && errors > 0)
    }

    @Test(
        "random mutations of valid packets never crash and decode the same however they are fed",
        arguments: [MQTTVersion.v3_1, .v3_1_1, .v5])
    func mutations(version: MQTTVersion) {
        var random = SeededGenerator(seed: 0xF022 &+ UInt64(version.rawValue))
        let vectors = allVectors.filter { $0.version == version }
        for vector in vectors {
            for _ in 0..<150 {
                var bytes = vector.bytes
                for _ in 0..<Int.random(in: 1...3, using: &random) {
                    mutate(&bytes, using: &random)
                }
                let whole = outcomes(bytes, chunk: bytes.count + 1, version: version, maximumPacketSize: 1 << 20)
                let bytewise = outcomes(bytes, chunk: 1, version: version, maximumPacketSize: 1 << 20)
                #expect(whole == bytewise, "\(vector)")
            }
        }
    }

    func mutate(_ bytes: inout [UInt8], using random: inout SeededGenerator) {
        guard !bytes.isEmpty else {
            bytes.append(UInt8.random(in: 0...255, using: &random))
            return
        }
        let index = Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<6, using: &random) {
        case 0: bytes[index] ^= 1 << UInt8.random(in: 0...7, using: &random)
        case 1: bytes[index] = UInt8.random(in: 0...255, using: &random)
        case 2: bytes.insert(UInt8.random(in: 0...255, using: &random), at: index)
        case 3: bytes.remove(at: index)
        case 4: bytes.removeLast(Int.random(in: 0...(bytes.count - index), using: &random))
        default: bytes[index] = [0x00, 0x7F, 0x80, 0xFF][Int.random(in: 0..<4, using: &random)]
        }
    }

    @Test("a header that claims 256 MiB is refused before anything is buffered")
    func hugeClaim() throws {
        var decoder = MQTTDecoder(maximumPacketSize: 1024)
        var buffer = ByteBuffer(bytes: [0x82, 0xFF, 0xFF, 0xFF, 0x7F])
        #expect(throws: MQTTDecodeError.self) { try decoder.decode(buffer: &buffer) }
        #expect(decoder.awaitedPacketLength == nil)
        var waiting = MQTTDecoder(maximumPacketSize: 1024)
        var partial = ByteBuffer(bytes: [0x30, 0x80, 0x08, 0x00])  // PUBLISH of 1027 bytes... over the limit
        #expect(throws: MQTTDecodeError.self) { try waiting.decode(buffer: &partial) }
        var fits = ByteBuffer(bytes: [0x30, 0xFD, 0x07, 0x00])  // PUBLISH of 1024 bytes: waits for them
        #expect(try waiting.decode(buffer: &fits) == nil)
        #expect(waiting.awaitedPacketLength == 1024)
    }
}
