import Capture
import Decode
import NIOCore
import Testing
import Wire

@Suite("Decode filters")
struct DecodeFilterTests {
    static func decode(_ packets: [CapturedPacket], _ filter: DecodeFilter) -> (events: [DecodeEvent], statistics: DecodeStatistics) {
        var events: [DecodeEvent] = []
        let pipeline = DecodePipeline(options: .init(collectStatistics: true, filter: filter)) { events.append($0) }
        for packet in packets { pipeline.process(packet) }
        pipeline.finish()
        return (events, pipeline.statistics)
    }

    /// Two MQTT clients and a CMP user on three connections.
    static var threeConnections: [CapturedPacket] {
        var gateway = ConversationBuilder(version: .v3_1_1, clientPort: 50200)
        gateway.send(.connect(.init(version: .v3_1_1, clientID: "gateway-1", keepAlive: 30)), fromClient: true)
        gateway.send(.connAck(.init()), fromClient: false)
        gateway.send(.publish(.init(topic: "site/9/temp", payload: .text("21"))), fromClient: true)
        gateway.finish()
        return DecodePipelineTests.session(.v5).packets + gateway.packets + CMPDecodeTests.session().packets
    }

    @Test("no filter keeps everything")
    func empty() {
        let all = Self.decode(Self.threeConnections, DecodeFilter())
        #expect(all.events.count == decodeWithStatistics(Self.threeConnections).events.count)
        #expect(DecodeFilter().isEmpty)
    }

    @Test("--client keeps the connections of matching client ids and CMP users, stream events included")
    func clients() throws {
        let sensor = Self.decode(Self.threeConnections, DecodeFilter(clients: ["sensor-*"])).events
        #expect(sensor.types == DecodePipelineTests.sessionTypes)
        #expect(sensor.messages.allSatisfy { $0.clientID == "sensor-7" })

        let two = Self.decode(Self.threeConnections, DecodeFilter(clients: ["gateway-?", "alice"])).events
        #expect(two.types == ["CONNECT", "CONNACK", "PUBLISH"])
        let cmp = two.compactMap { event -> DecodedCMPMessage? in if case .cmpMessage(let message) = event { return message } else { return nil } }
        #expect(!cmp.isEmpty && cmp.allSatisfy { $0.user == "alice" })
        #expect(two.count == 3 + cmp.count)

        #expect(Self.decode(Self.threeConnections, DecodeFilter(clients: ["nobody"])).events.isEmpty)
    }

    @Test("--topic keeps matching PUBLISHes with every answer of their QoS flow, and overlapping SUBSCRIBEs with their SUBACK")
    func topics() throws {
        let packets = Self.threeConnections
        let t = try MQTTTopicFilter(validating: "t/+")
        #expect(Self.decode(packets, DecodeFilter(topics: [t])).events.types == ["PUBLISH", "PUBLISH", "PUBACK", "PUBLISH", "PUBREC", "PUBREL", "PUBCOMP"])
        let qos2 = try MQTTTopicFilter(validating: "t/2")
        #expect(Self.decode(packets, DecodeFilter(topics: [qos2])).events.types == ["PUBLISH", "PUBREC", "PUBREL", "PUBCOMP"])
        // The session subscribes to cmd/#: a filter for one command topic overlaps it.
        let command = try MQTTTopicFilter(validating: "cmd/reboot")
        #expect(Self.decode(packets, DecodeFilter(topics: [command])).events.types == ["SUBSCRIBE", "SUBACK"])
        let site = try MQTTTopicFilter(validating: "site/#")
        let kept = Self.decode(packets, DecodeFilter(topics: [site, qos2])).events
        #expect(kept.messages.compactMap { $0.topic?.text } == ["t/2", "site/9/temp"])
    }

    @Test("--type keeps those message types and stream events")
    func types() throws {
        let kept = Self.decode(Self.threeConnections, DecodeFilter(types: ["CONNECT", "LOGIN", "DISCONNECT"])).events
        #expect(kept.map(\.typeName) == ["CONNECT", "DISCONNECT", "CONNECT", "LOGIN"])

        var unanswered = ConversationBuilder(version: .v3_1_1)
        unanswered.send(.connect(.init(version: .v3_1_1, clientID: "lonely", keepAlive: 30)), fromClient: true)
        unanswered.send(.publish(.init(topic: "q/1", payload: .text("?"), qos: .atLeastOnce, packetID: 5)), fromClient: true)
        unanswered.send(.publish(.init(topic: "other", payload: .text("?"), qos: .atLeastOnce, packetID: 6)), fromClient: true)
        unanswered.finish()
        let open = Self.decode(unanswered.packets, DecodeFilter(types: ["UNANSWERED"])).events
        #expect(open.map(\.typeName) == ["UNANSWERED", "UNANSWERED"])
        // With --topic, only the flow of a kept PUBLISH.
        let filter = DecodeFilter(topics: [try MQTTTopicFilter(validating: "q/#")], types: ["UNANSWERED"])
        let one = Self.decode(unanswered.packets, filter).events
        guard case .unanswered(_, let flow)? = one.first, one.count == 1 else { throw TestFailure("\(one.map(\.typeName))") }
        #expect(flow.packetID == 5)
    }

    @Test("criteria combine: all must hold; statistics count only what is kept")
    func combinedAndStatistics() throws {
        let filter = DecodeFilter(clients: ["sensor-7"], topics: [try MQTTTopicFilter(validating: "t/#")], types: ["PUBLISH"])
        let (events, statistics) = Self.decode(Self.threeConnections, filter)
        #expect(events.types == ["PUBLISH", "PUBLISH", "PUBLISH"])
        #expect(statistics.messagesByType == ["PUBLISH": 3])
        #expect(statistics.clients == ["sensor-7": 3])
        #expect(Set(statistics.topics.keys) == ["t/0", "t/1", "t/2"])
    }
}
