import Capture
import CaptureTestSupport
import Decode
import NIOCore
import Testing
import Wire

@Suite("Decode pipeline")
struct DecodePipelineTests {
    /// A full session: connect, subscribe, publish at every QoS with its acks, ping, disconnect;
    /// `waitBefore` is capture time (ms) before the message, so acks have a known latency.
    static func sessionBodies(_ version: MQTTVersion) -> [(body: MQTTPacket.Body, fromClient: Bool, waitBefore: Int)] {
        [
            (.connect(.init(version: version, clientID: "sensor-7", keepAlive: 30, username: "ops", password: Array("secret".utf8))), true, 0),
            (.connAck(.init()), false, 3),
            (.subscribe(.init(packetID: 1, subscriptions: [.init(filter: "cmd/#", qos: .atLeastOnce)])), true, 0),
            (.subAck(.init(packetID: 1, reasonCodes: [.grantedQoS1])), false, 2),
            (.publish(.init(topic: "t/0", payload: .text("zero"))), true, 0),
            (.publish(.init(topic: "t/1", payload: .text(String(repeating: "x", count: 5000)), qos: .atLeastOnce, packetID: 10)), true, 0),
            (.pubAck(.init(packetID: 10)), false, 7),
            (.publish(.init(topic: "t/2", payload: ByteBuffer(bytes: [0xff, 0x00, 0x81]), qos: .exactlyOnce, packetID: 11, retain: true)), true, 0),
            (.pubRec(.init(packetID: 11)), false, 0),
            (.pubRel(.init(packetID: 11)), true, 0),
            (.pubComp(.init(packetID: 11)), false, 4),
            (.pingRequest, true, 0),
            (.pingResponse, false, 0),
            (.disconnect(.init()), true, 0),
        ]
    }

    /// `sessionBodies` on a TCP connection.
    static func session(_ version: MQTTVersion, segmentSize: Int = 1400) -> ConversationBuilder {
        var conversation = ConversationBuilder(version: version, segmentSize: segmentSize)
        for step in sessionBodies(version) {
            if step.waitBefore > 0 { conversation.wait(milliseconds: step.waitBefore) }
            conversation.send(step.body, fromClient: step.fromClient)
        }
        conversation.finish()
        return conversation
    }

    static let sessionTypes = [
        "CONNECT", "CONNACK", "SUBSCRIBE", "SUBACK", "PUBLISH", "PUBLISH", "PUBACK", "PUBLISH", "PUBREC", "PUBREL", "PUBCOMP", "PINGREQ",
        "PINGRESP", "DISCONNECT",
    ]

    @Test("every message of a session, in order, with client, version and ack latencies", arguments: [MQTTVersion.v3_1, .v3_1_1, .v5])
    func session(version: MQTTVersion) throws {
        let events = decode(Self.session(version).packets)
        #expect(events.types == Self.sessionTypes)
        let messages = events.messages
        #expect(messages.allSatisfy { $0.clientID == "sensor-7" && $0.version == version && !$0.versionAssumed })
        #expect(messages.allSatisfy { $0.packet.problems.isEmpty && $0.notes.isEmpty })
        let puback = try #require(messages.first { $0.packet.type == .pubAck })
        #expect(abs((puback.latency ?? 0) - 0.008) < 0.0005)  // 1 ms after sending + 7 ms wait
        #expect(messages.first { $0.packet.type == .pubComp }?.latency != nil)
        #expect(messages.first { $0.packet.type == .subAck }?.latency != nil)
        #expect(messages.first { $0.packet.type == .pingResponse }?.latency != nil)
        guard case .publish(let big) = messages[5].packet.body else { throw TestFailure("not a PUBLISH") }
        #expect(big.payload.readableBytes == 5000)
        #expect(!events.contains { if case .unanswered = $0 { return true } else { return false } })
    }

    @Test("a client with an empty id is named by the id an MQTT 5 server assigns, or in text by its address")
    func emptyClientID() throws {
        var v5 = ConversationBuilder(version: .v5)
        v5.send(.connect(.init(version: .v5, clientID: "", keepAlive: 30)), fromClient: true)
        v5.send(.connAck(.init(properties: [MQTTProperty(.assignedClientIdentifier, .utf8String("auto-42"))])), fromClient: false)
        v5.send(.publish(.init(topic: "t", payload: .text("x"))), fromClient: true)
        v5.finish()
        let messages = decode(v5.packets).messages
        #expect(messages.map(\.clientID) == ["", "auto-42", "auto-42"])

        var v311 = ConversationBuilder(version: .v3_1_1)
        v311.send(.connect(.init(version: .v3_1_1, clientID: "", keepAlive: 30)), fromClient: true)
        v311.send(.connAck(.init()), fromClient: false)
        v311.finish()
        var text = EventText()
        let lines = decode(v311.packets).map { text.line($0) }
        #expect(lines.count == 2 && lines.allSatisfy { $0.contains(" 10.0.0.1:50123 ") }, "\(lines)")
    }

    @Test("requests left unanswered at the same instant are listed by packet id, the same on every run")
    func unansweredOrder() throws {
        var conversation = ConversationBuilder(version: .v3_1_1)
        conversation.send(.connect(.init(version: .v3_1_1, clientID: "burst", keepAlive: 30)), fromClient: true)
        var burst: [UInt8] = []
        for id in (UInt16(1)...40).shuffled() {
            let buffer = try MQTTEncoder(version: .v3_1_1).encode(.publish(.init(topic: "b", payload: .text("x"), qos: .atLeastOnce, packetID: id)))
            burst += buffer.readableBytesView
        }
        conversation.sendRaw(burst, fromClient: true)  // one segment: one capture time for all
        conversation.finish()
        let ids = decode(conversation.packets).compactMap { event -> UInt16? in
            if case .unanswered(_, let flow) = event { return flow.packetID }
            return nil
        }
        #expect(ids == Array(1...40))
    }

    @Test("lines of stream events name the connection's client when it said (text, JSON), else text shows its address")
    func streamEventsNamed() throws {
        var conversation = ConversationBuilder(version: .v3_1_1)
        conversation.send(.connect(.init(version: .v3_1_1, clientID: "lonely", keepAlive: 30)), fromClient: true)
        conversation.send(.publish(.init(topic: "q/1", payload: .text("?"), qos: .atLeastOnce, packetID: 5)), fromClient: true)
        conversation.finish()
        var text = EventText()
        var lines: [String] = []
        var json = JSONLineBuilder()
        let cache = EventJSON.Cache()
        var pipeline: DecodePipeline?
        pipeline = DecodePipeline { event in
            lines.append(text.line(event))
            EventJSON.write(event, into: &json, cache: cache)
        }
        text.clientName = { [unowned pipeline = pipeline!] in pipeline.client(of: $0) }
        cache.clientName = text.clientName
        for packet in conversation.packets { pipeline!.process(packet) }
        pipeline!.finish()
        let unanswered = try #require(lines.first { $0.contains("UNANSWERED") })
        #expect(unanswered.contains(" lonely ") && !unanswered.contains("10.0.0.1"), "\(unanswered)")
        let jsonLines = String(decoding: json.bytes, as: UTF8.self).split(separator: "\n")
        #expect(jsonLines.last?.contains(#""type":"UNANSWERED","connection":1,"direction":"client-to-server","client":"lonely""#) == true, "\(jsonLines)")

        var anonymous = EventText()
        let plain = decode(conversation.packets).map { anonymous.line($0) }
        #expect(plain.first { $0.contains("UNANSWERED") }?.contains("10.0.0.1:50123") == true)
    }

    @Test("a capture that goes back in time (an answer stamped before its request, a packet before the first) prints signed times and latencies")
    func backwardsInTime() throws {
        var packets = Self.session(.v5).packets
        // The PUBACK's packet goes back 2 s (before the PUBLISH it answers and the first packet).
        let pubAck = try #require(packets.indices.first { decode(Array(packets[...$0])).types.contains("PUBACK") })
        packets[pubAck].timestamp = CaptureTimestamp(seconds: packets[0].timestamp.seconds - 2, nanoseconds: 123_456_000)
        let events = decode(packets)
        let puback = try #require(events.messages.first { $0.packet.type == .pubAck })
        #expect((puback.latency ?? 0) < -1)
        var text = EventText()
        let lines = events.map { text.line($0) }
        let line = try #require(lines.first { $0.contains("PUBACK") })
        #expect(line.hasPrefix("  -1.876544 ") && line.contains("(-"), "\(line)")
        var json = JSONLineBuilder()
        for event in events { EventJSON.write(event, into: &json) }
        #expect(String(decoding: json.bytes, as: UTF8.self).contains("\"latencyMs\":-"))
    }

    @Test("shuffled, duplicated and tiny segments decode to the same messages", arguments: [1, 2, 3, 4, 5])
    func shuffled(seed: UInt64) {
        let conversation = Self.session(.v5, segmentSize: 37)
        var generator = SeededGenerator(seed: seed)
        var packets = conversation.packets
        // Duplicate one packet in ten, then shuffle within windows of eight (reordering a real
        // network could produce, without moving a segment past the FIN).
        var noisy: [CapturedPacket] = []
        for packet in packets {
            noisy.append(packet)
            if Int.random(in: 0..<10, using: &generator) == 0 { noisy.append(packet) }
        }
        packets = noisy
        var index = 2
        while index < packets.count - 2 {
            let end = min(index + 8, packets.count - 2)
            packets[index..<end].shuffle(using: &generator)
            index = end
        }
        let events = decode(packets)
        // Each direction keeps its order; how the two interleave depends on arrival.
        let expected = decode(conversation.packets).messages
        for direction in [TCPDirection.clientToServer, .serverToClient] {
            #expect(events.messages.filter { $0.direction == direction }.map(\.packet) == expected.filter { $0.direction == direction }.map(\.packet))
        }
        #expect(events.messages.allSatisfy { $0.packet.problems.isEmpty && $0.version == .v5 })
    }

    @Test("MQTT 5 topic aliases resolve per direction; an unknown alias is noted")
    func topicAliases() throws {
        var conversation = ConversationBuilder(version: .v5)
        conversation.send(.connect(.init(version: .v5, clientID: "a")), fromClient: true)
        conversation.send(.connAck(.init()), fromClient: false)
        conversation.send(
            .publish(.init(topic: "long/topic/name", payload: .text("1"), properties: [.init(.topicAlias, .twoByteInteger(3))])), fromClient: true)
        conversation.send(.publish(.init(topic: "", payload: .text("2"), properties: [.init(.topicAlias, .twoByteInteger(3))])), fromClient: true)
        conversation.send(.publish(.init(topic: "", payload: .text("3"), properties: [.init(.topicAlias, .twoByteInteger(3))])), fromClient: false)
        conversation.finish()
        let publishes = decode(conversation.packets).messages.filter { $0.packet.type == .publish }
        #expect(publishes.map { $0.topic?.text } == ["long/topic/name", "long/topic/name", ""])
        #expect(publishes.map(\.topicAlias) == [3, 3, 3])
        #expect(publishes[2].notes == ["topic alias 3 was never set on this connection"])
    }

    @Test("a request never answered is reported when the capture ends")
    func unanswered() throws {
        var conversation = ConversationBuilder()
        conversation.send(.connect(.init(version: .v3_1_1, clientID: "slow")), fromClient: true)
        conversation.send(.connAck(.init()), fromClient: false)
        conversation.send(.publish(.init(topic: "q", payload: .text("p"), qos: .atLeastOnce, packetID: 7)), fromClient: true)
        conversation.send(.publish(.init(topic: "q2", payload: .text("p"), qos: .exactlyOnce, packetID: 8)), fromClient: true)
        conversation.send(.pubRec(.init(packetID: 8)), fromClient: false)
        let events = decode(conversation.packets)
        let flows = events.compactMap { if case .unanswered(_, let flow) = $0 { return flow } else { return nil } }
        #expect(flows.map { "\($0.request) \($0.packetID ?? 0) \($0.awaiting)" } == ["PUBLISH 7 PUBACK", "PUBLISH 8 PUBREL"])
    }

    @Test("a lost segment in a PUBLISH: the message is reported truncated, the gap counted, and decoding resumes")
    func gap() throws {
        var conversation = ConversationBuilder(segmentSize: 500)
        conversation.send(.connect(.init(version: .v3_1_1, clientID: "lossy")), fromClient: true)
        conversation.send(.publish(.init(topic: "big", payload: .text(String(repeating: "y", count: 3000)))), fromClient: true)
        conversation.send(.publish(.init(topic: "after", payload: .text("ok"))), fromClient: true)
        conversation.send(.publish(.init(topic: "after2", payload: .text("ok"))), fromClient: true)
        conversation.finish()
        var packets = conversation.packets
        // Drop the third data segment of the client: inside the big PUBLISH.
        let dataIndexes = packets.indices.filter { packets[$0].data.count > 54 }
        packets.remove(at: dataIndexes[3])
        let events = decode(packets)
        #expect(events.contains { if case .truncated(_, _, _, "PUBLISH", 3008, _, "big", .mqtt) = $0 { return true } else { return false } })
        #expect(events.contains { if case .gap(_, _, 500, _, .mqtt) = $0 { return true } else { return false } })
        let topics = events.messages.compactMap(\.topic?.text)
        #expect(topics.suffix(2) == ["after", "after2"])
    }

    @Test("a capture that starts mid-connection decodes with a stated version assumption")
    func midStream() {
        var conversation = ConversationBuilder(handshake: false)
        conversation.send(.publish(.init(topic: "x", payload: .text("1"), qos: .atLeastOnce, packetID: 3)), fromClient: true)
        conversation.send(.pubAck(.init(packetID: 3)), fromClient: false)
        conversation.send(.pingRequest, fromClient: true)
        let messages = decode(conversation.packets).messages
        #expect(messages.map(\.packet.type.name) == ["PUBLISH", "PUBACK", "PINGREQ"])
        #expect(messages.allSatisfy { $0.versionAssumed && $0.version == .v3_1_1 && $0.clientID == nil })
    }

    @Test("content detection: a CONNECT makes any port MQTT; other traffic on other ports is left alone")
    func detection() {
        var mqtt = ConversationBuilder(serverPort: 5555)
        mqtt.send(.connect(.init(version: .v5, clientID: "odd-port")), fromClient: true)
        mqtt.send(.connAck(.init()), fromClient: false)
        var http = ConversationBuilder(serverPort: 8080, clientPort: 50999)
        http.sendRaw(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), fromClient: true)
        let events = decode(mqtt.packets + http.packets)
        #expect(events.types == ["CONNECT", "CONNACK"])
        var hinted = ConversationBuilder(serverPort: 7777, handshake: false)
        hinted.send(.pingRequest, fromClient: true)
        var options = DecodePipeline.Options()
        #expect(options.hints.add("7777=mqtt") == nil)
        #expect(decode(hinted.packets, options: options).types == ["PINGREQ"])
        #expect(decode(hinted.packets).types == [])
    }

    @Test("a hostile length is refused without buffering it; the stream is skipped and other connections still decode")
    func hostileLength() {
        var bad = ConversationBuilder(clientPort: 40000)
        bad.send(.connect(.init(version: .v3_1_1, clientID: "evil")), fromClient: true)
        // PUBLISH with a 200 MB remaining length, then a few bytes.
        bad.sendRaw([0x30, 0x80, 0x80, 0xE4, 0x5F] + Array(repeating: 0x41, count: 2000), fromClient: true)
        var good = ConversationBuilder(clientPort: 40001)
        good.send(.connect(.init(version: .v3_1_1, clientID: "fine")), fromClient: true)
        good.send(.publish(.init(topic: "still", payload: .text("here"))), fromClient: true)
        let events = decode(bad.packets + good.packets)
        #expect(
            events.contains { event in
                if case .streamError(_, _, _, let message, _, .mqtt) = event { return message.contains("200000000") || message.contains("limit") }
                return false
            })
        #expect(events.messages.filter { $0.clientID == "fine" }.map(\.packet.type.name) == ["CONNECT", "PUBLISH"])
    }

    @Test("a packet over the size limit is skipped to its end as its segments arrive; the next one decodes without resynchronising")
    func oversizeSkippedAcrossSegments() {
        var conversation = ConversationBuilder(version: .v3_1_1, segmentSize: 700)
        conversation.send(.connect(.init(version: .v3_1_1, clientID: "big")), fromClient: true)
        conversation.send(.publish(.init(topic: "huge", payload: .text(String(repeating: "B", count: 5000)))), fromClient: true)
        conversation.send(.publish(.init(topic: "after", payload: .text("ok"))), fromClient: true)
        conversation.finish()
        let events = decode(conversation.packets, options: .init(maximumMessageSize: 1024))
        let errors = events.compactMap { event -> (String, Int?)? in
            if case .streamError(_, _, _, let message, let skipped, .mqtt) = event { return (message, skipped) }
            return nil
        }
        #expect(errors.count == 1, "\(errors)")
        #expect((errors.first?.1 ?? 0) > 5000, "the whole PUBLISH is skipped: \(errors)")
        #expect(events.messages.map(\.packet.type.name) == ["CONNECT", "PUBLISH"])
        #expect(events.messages.last?.topic.map { String(describing: $0) }?.contains("after") == true)
    }

    @Test("a property bomb costs its bytes, keeps one property and reports the duplicates")
    func propertyBomb() throws {
        var conversation = ConversationBuilder(version: .v5, segmentSize: 1400)
        conversation.send(.connect(.init(version: .v5, clientID: "bomb")), fromClient: true)
        // PUBLISH v5: topic "b", property length N, 20000 x Payload Format Indicator (0x01, 0x01).
        var body: [UInt8] = [0x00, 0x01, UInt8(ascii: "b")]
        let properties = Array([[UInt8]](repeating: [0x01, 0x01], count: 20_000).joined())
        body += variableByteInteger(properties.count) + properties
        conversation.sendRaw([0x30] + variableByteInteger(body.count) + body, fromClient: true)
        conversation.send(.pingRequest, fromClient: true)
        let messages = decode(conversation.packets).messages
        #expect(messages.map(\.packet.type.name) == ["CONNECT", "PUBLISH", "PINGREQ"])
        #expect(messages[1].packet.problems.contains { $0.lowercased().contains("payload format indicator") })
    }
}

func variableByteInteger(_ value: Int) -> [UInt8] {
    var value = value
    var bytes: [UInt8] = []
    repeat {
        var byte = UInt8(value % 128)
        value /= 128
        if value > 0 { byte |= 0x80 }
        bytes.append(byte)
    } while value > 0
    return bytes
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
