import Capture
import Decode
import NIOCore
import Testing
import Wire

@Suite("Decode statistics")
struct DecodeStatisticsTests {
    /// Packets of several connections, interleaved one by one as a busy capture has them.
    static func interleave(_ conversations: [ConversationBuilder]) -> [CapturedPacket] {
        var out: [CapturedPacket] = []
        let longest = conversations.map(\.packets.count).max() ?? 0
        for index in 0..<longest {
            for conversation in conversations where index < conversation.packets.count {
                out.append(conversation.packets[index])
            }
        }
        return out
    }

    static func statistics(_ packets: [CapturedPacket]) -> DecodeStatistics {
        let pipeline = DecodePipeline(options: .init(collectStatistics: true)) { _ in }
        for packet in packets { pipeline.process(packet) }
        pipeline.finish()
        return pipeline.statistics
    }

    @Test("messages by type, client and topic add up over interleaved connections, runs of one client and changes of client")
    func counts() {
        var conversations: [ConversationBuilder] = []
        for (index, client) in ["a", "b", "a"].enumerated() {
            var conversation = ConversationBuilder(version: .v3_1_1, clientPort: 50_000 + index)
            conversation.send(.connect(.init(version: .v3_1_1, clientID: MQTTString(client), keepAlive: 30)), fromClient: true)
            conversation.send(.connAck(.init()), fromClient: false)
            for message in 0..<(index + 2) {
                conversation.send(
                    .publish(.init(topic: MQTTString("t/\(message % 2)"), payload: .text(String(repeating: "x", count: message + 1)))), fromClient: true)
            }
            conversation.finish()
            conversations.append(conversation)
        }
        let statistics = Self.statistics(Self.interleave(conversations))
        // a: 2 + 2 + 4 + 2 (two connections), b: 2 + 3.
        #expect(statistics.clients == ["a": 10, "b": 5])
        #expect(statistics.messagesByType == ["CONNECT": 3, "CONNACK": 3, "PUBLISH": 9])
        // t/0: messages 0 and 2 of each connection (payloads of 1 and 3 bytes); t/1: 1 and 3 (2 and 4).
        #expect(statistics.topics["t/0"]?.messages == 5 && statistics.topics["t/0"]?.payloadBytes == 1 + 1 + 3 + 1 + 3)
        #expect(statistics.topics["t/1"]?.messages == 4 && statistics.topics["t/1"]?.payloadBytes == 2 + 2 + 2 + 4)
        #expect(statistics.topics.count == 2)
    }

    @Test("topics whose bytes differ but read the same (invalid UTF-8 shown as U+FFFD) are one topic")
    func invalidTopicsMerge() {
        var conversation = ConversationBuilder(version: .v3_1_1)
        conversation.send(.connect(.init(version: .v3_1_1, clientID: "c", keepAlive: 30)), fromClient: true)
        conversation.send(.publish(.init(topic: MQTTString(bytes: [0x61, 0xFF]), payload: .text("1"))), fromClient: true)
        conversation.send(.publish(.init(topic: MQTTString(bytes: [0x61, 0xFE]), payload: .text("22"))), fromClient: true)
        conversation.finish()
        let statistics = Self.statistics(conversation.packets)
        #expect(statistics.topics.count == 1)
        #expect(statistics.topics["a\u{FFFD}"]?.messages == 2 && statistics.topics["a\u{FFFD}"]?.payloadBytes == 3)
    }
}
