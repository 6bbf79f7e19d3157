import NIOCore
import Testing
import Wire

@Suite("MQTT framing: remaining length, CONNECT detection, resynchronization")
struct MQTTFramingTests {
    @Test(
        "remaining lengths",
        arguments: [
            ([0x30, 0x00] as [UInt8], 0, 1), ([0x30, 0x7F], 127, 1), ([0x30, 0x80, 0x01], 128, 2),
            ([0x30, 0xFF, 0x7F], 16_383, 2), ([0x30, 0x80, 0x80, 0x01], 16_384, 3),
            ([0x30, 0xFF, 0xFF, 0xFF, 0x7F], 268_435_455, 4),
        ])
    func remainingLength(bytes: [UInt8], value: Int, count: Int) throws {
        let length = try #require(try MQTTFraming.remainingLength(in: ByteBuffer(bytes: bytes)))
        #expect(length.value == value && length.byteCount == count)
    }

    @Test("remaining length: incomplete, too long, not minimal")
    func remainingLengthEdges() throws {
        #expect(try MQTTFraming.remainingLength(in: ByteBuffer(bytes: [0x30])) == nil)
        #expect(try MQTTFraming.remainingLength(in: ByteBuffer(bytes: [0x30, 0x80, 0x80])) == nil)
        #expect(throws: MQTTDecodeError.self) { try MQTTFraming.remainingLength(in: ByteBuffer(bytes: [0x30, 0x80, 0x80, 0x80, 0x80])) }
        #expect(throws: MQTTDecodeError.self) { try MQTTFraming.remainingLength(in: ByteBuffer(bytes: [0x30, 0x80, 0x00])) }
    }

    @Test("the fixed header alone: type, flags, lengths; the same checks as the decoder")
    func fixedHeader() throws {
        let header = try #require(try MQTTFraming.fixedHeader(in: ByteBuffer(bytes: [0x3B, 0x80, 0x01])))
        #expect(header == MQTTFixedHeader(type: .publish, flags: 0x0B, remainingLength: 128, headerLength: 3))
        #expect(header.packetLength == 131)
        #expect(try MQTTFraming.fixedHeader(in: ByteBuffer(bytes: [0x3B, 0x80])) == nil)
        #expect(throws: MQTTDecodeError.self) { try MQTTFraming.fixedHeader(in: ByteBuffer(bytes: [0x60, 0x02])) }
        #expect(throws: MQTTDecodeError.self) {
            try MQTTFraming.fixedHeader(in: ByteBuffer(bytes: [0x3B, 0x80, 0x01]), maximumPacketSize: 130)
        }
    }

    @Test("CONNECT is recognised by content, with its version")
    func looksLikeConnect() {
        #expect(MQTTFraming.looksLikeConnect(V31.connect) == .v3_1)
        #expect(MQTTFraming.looksLikeConnect(V311.connect) == .v3_1_1)
        #expect(MQTTFraming.looksLikeConnect(V311.connectMinimal) == .v3_1_1)
        #expect(MQTTFraming.looksLikeConnect(V5.connect) == .v5)
        var bridge = V311.connectMinimal
        bridge[8] = 0x84
        #expect(MQTTFraming.looksLikeConnect(bridge) == .v3_1_1)
        var level3 = V311.connectMinimal
        level3[8] = 0x03  // "MQTT" with 3.1's level
        #expect(MQTTFraming.looksLikeConnect(level3) == nil)
        #expect(MQTTFraming.looksLikeConnect(Array("GET / HTTP/1.1\r\n".utf8)) == nil)
        #expect(MQTTFraming.looksLikeConnect(Array(V311.connect.prefix(8))) == nil)
        #expect(MQTTFraming.looksLikeConnect([]) == nil)
        #expect(MQTTFraming.looksLikeConnect(V311.connAck) == nil)
        #expect(MQTTFraming.looksLikeConnect([0x10, 0x02, 0x00, 0x04]) == nil)
    }

    @Test("a buffer that starts at a packet resynchronizes at 0")
    func atBoundary() {
        #expect(MQTTFraming.resynchronize(V311.all.flatMap(\.bytes), version: .v3_1_1) == 0)
        #expect(MQTTFraming.resynchronize(V5.all.flatMap(\.bytes), version: .v5) == 0)
        #expect(MQTTFraming.resynchronize(V311.publishQoS1) == 0)  // one packet that ends the bytes
        #expect(MQTTFraming.resynchronize([UInt8](repeating: 0, count: 64)) == nil)
        #expect(MQTTFraming.resynchronize([]) == nil)
    }

    @Test("a capture that lost the start of a packet resumes at the next one")
    func lostStart() {
        let stream = V311.publishQoS0 + V311.publishQoS1 + V311.pubAck + V311.subscribe
        for lost in 1..<V311.publishQoS0.count {
            let found = MQTTFraming.resynchronize(Array(stream[lost...]), version: .v3_1_1)
            #expect(found == V311.publishQoS0.count - lost, "lost \(lost)")
        }
    }

    /// Whether bytes[from..<to] are whole packets that decode without problems.
    func cleanChain(_ bytes: [UInt8], from: Int, to: Int, version: MQTTVersion?) -> Bool {
        var decoder = MQTTDecoder(version: version)
        var buffer = ByteBuffer(bytes: bytes[from..<to])
        while buffer.readableBytes > 0 {
            guard let packet = try? decoder.decode(buffer: &buffer), packet.problems.isEmpty else { return false }
        }
        return true
    }

    @Test(
        "after random garbage the offset found is the true boundary",
        arguments: [MQTTVersion?.none, .v3_1, .v3_1_1, .v5])
    func garbagePrefixes(version: MQTTVersion?) {
        var random = SeededGenerator(seed: 0x5EED &+ UInt64(version?.rawValue ?? 9))
        let pool = version.map { v in allVectors.filter { $0.version == v } } ?? V311.all
        var exact = 0
        let trials = 300
        for _ in 0..<trials {
            let garbage = random.bytes(Int.random(in: 1...80, using: &random))
            var packets: [UInt8] = []
            for _ in 0..<Int.random(in: 3...8, using: &random) {
                packets += pool[Int.random(in: 0..<pool.count, using: &random)].bytes
            }
            if Bool.random(using: &random) {  // sometimes the capture ends inside a packet
                let last = pool[Int.random(in: 0..<pool.count, using: &random)].bytes
                packets += last.prefix(Int.random(in: 1..<last.count, using: &random))
            }
            let bytes = garbage + packets
            guard let found = MQTTFraming.resynchronize(bytes, version: version) else {
                Issue.record("no boundary found after \(garbage.count) bytes of garbage")
                continue
            }
            if found == garbage.count {
                exact += 1
            } else {
                // An earlier offset is acceptable only when the garbage itself ends in packets
                // that decode cleanly up to the true boundary (indistinguishable from real ones).
                #expect(
                    found < garbage.count && cleanChain(bytes, from: found, to: garbage.count, version: version ?? .v3_1_1),
                    "found \(found), boundary \(garbage.count)")
            }
        }
        #expect(exact >= trials * 97 / 100, "\(exact) of \(trials) exact")
    }
}
