import NIOCore
import Testing
import Wire

@Suite("MQTT streams: back to back, versions, the NIO shell")
struct MQTTStreamTests {
    static let versions: [(MQTTVersion, [MQTTVector])] = [(.v3_1, V31.all), (.v3_1_1, V311.all), (.v5, V5.all)]

    @Test("all packets of a version back to back in one buffer decode in order", arguments: [0, 1, 2])
    func backToBack(index: Int) throws {
        let (version, vectors) = MQTTStreamTests.versions[index]
        let stream = vectors.flatMap(\.bytes)
        var decoder = MQTTDecoder(version: version)
        let packets = try decodeAll(stream, decoder: &decoder)
        #expect(packets.count == vectors.count)
        #expect(packets.map(\.wireLength) == vectors.map(\.bytes.count))
        #expect(packets.allSatisfy { $0.problems.isEmpty })
        #expect(decoder.streamOffset == stream.count)

        // The same stream fed one byte at a time and in chunks of 7 gives the same packets.
        for chunk in [1, 7] {
            var incremental = MQTTDecoder(version: version)
            var buffer = ByteBuffer()
            var seen: [MQTTPacket] = []
            var position = 0
            while position < stream.count {
                buffer.writeBytes(stream[position..<min(position + chunk, stream.count)])
                position += chunk
                while let packet = try incremental.decode(buffer: &buffer) { seen.append(packet) }
            }
            #expect(seen == packets, "chunks of \(chunk)")
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test("the CONNECT's version moves to the other direction's decoder")
    func versionFollowsConnect() throws {
        var client = MQTTDecoder()
        var server = MQTTDecoder()
        #expect(client.isVersionAssumed && client.effectiveVersion == .v3_1_1)
        _ = try decodeAll(V5.connect, decoder: &client)
        #expect(client.version == .v5)
        server.version = client.version
        let packets = try decodeAll(V5.connAck + V5.pubAckReason + V5.disconnectWithWill, decoder: &server)
        #expect(packets.map(\.type) == [.connAck, .pubAck, .disconnect])
        #expect(packets.allSatisfy { $0.problems.isEmpty })
    }

    @Test("without a CONNECT packets are read as 3.1.1 unless another version is assumed")
    func assumedVersion() throws {
        var guessing = MQTTDecoder()
        let asV311 = try #require(try decodeAll(V5.pubAckReason, decoder: &guessing).first)
        #expect(asV311.problems == ["1 unexpected byte after the packet identifier"])
        #expect(guessing.isVersionAssumed && guessing.effectiveVersion == .v3_1_1)

        var told = MQTTDecoder(assumedVersion: .v5)
        let asV5 = try #require(try decodeAll(V5.pubAckReason, decoder: &told).first)
        #expect(asV5.problems.isEmpty && asV5.body == .pubAck(.init(packetID: 1, reasonCode: .noMatchingSubscribers)))
        #expect(told.isVersionAssumed && told.effectiveVersion == .v5 && told.version == nil)
    }

    @Test("a later CONNECT replaces the version")
    func reconnect() throws {
        var decoder = MQTTDecoder()
        _ = try decodeAll(V5.connect + V311.connect, decoder: &decoder)
        #expect(decoder.version == .v3_1_1)
    }

    @Test("NIOSingleStepByteToMessageProcessor drives the decoder across chunk boundaries")
    func nioProcessor() throws {
        let processor = NIOSingleStepByteToMessageProcessor(MQTTDecoder(version: .v5))
        var received: [MQTTPacketType] = []
        let stream = V5.all.flatMap(\.bytes)
        var index = 0
        while index < stream.count {
            let end = min(index + 5, stream.count)
            try processor.process(buffer: ByteBuffer(bytes: stream[index..<end])) { received.append($0.type) }
            index = end
        }
        try processor.finishProcessing(seenEOF: true) { received.append($0.type) }
        #expect(received == V5.all.map { MQTTPacketType(rawValue: $0.bytes[0] >> 4)! })
    }

    @Test("after an error with intact framing the caller skips the packet and goes on")
    func skipAfterBodyError() throws {
        let broken: [UInt8] = [
            0x32, 0x03,  // PUBLISH QoS 1, remaining length 3
            0x00, 0x01, 0x74,  // topic "t", then no room for the packet identifier
        ]
        var decoder = MQTTDecoder()
        var buffer = ByteBuffer(bytes: broken + V311.pubAck)
        var types: [MQTTPacketType] = []
        var errors: [MQTTDecodeError] = []
        while buffer.readableBytes > 0 {
            do {
                guard let packet = try decoder.decode(buffer: &buffer) else { break }
                types.append(packet.type)
            } catch {
                errors.append(error)
                let length = try #require(error.packetLength)
                decoder.discard(length, from: &buffer)
            }
        }
        #expect(errors.map(\.kind) == [.truncated(field: "packet identifier")])
        #expect(types == [.pubAck])
        #expect(decoder.streamOffset == broken.count + V311.pubAck.count)
    }
}
