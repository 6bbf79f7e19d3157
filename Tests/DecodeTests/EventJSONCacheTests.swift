import Capture
import NIOCore
import Testing
import Wire

@testable import Decode

@Suite("The JSON lines' cache of each direction's constant parts")
struct EventJSONCacheTests {
    /// Lines written through one cache, for events of more directions than it has slots,
    /// interleaved so that directions sharing a slot alternate, must be the lines each event
    /// gives with a cache of its own (which builds every part from the event).
    @Test("interleaved connections beyond the cache's slots: every line as an uncached one writes it")
    func interleavedDirections() throws {
        let connections = EventJSON.Cache.recentSlots + 86
        var conversations: [ConversationBuilder] = []
        for index in 0..<connections {
            let version: MQTTVersion = index % 3 == 0 ? .v5 : (index % 3 == 1 ? .v3_1_1 : .v3_1)
            var conversation = ConversationBuilder(version: version, clientPort: 40_000 + index)
            // Some connections have no client id of their own, so their context changes when
            // the server assigns one (MQTT 5) within the same direction's lines.
            let clientID = index % 7 == 0 ? "" : "client-\(index)"
            conversation.send(.connect(.init(version: version, clientID: MQTTString(clientID), keepAlive: 30)), fromClient: true)
            let assigned: MQTTProperties =
                version == .v5 && clientID.isEmpty ? [MQTTProperty(.assignedClientIdentifier, .utf8String(MQTTString("assigned-\(index)")))] : []
            conversation.send(.connAck(.init(properties: assigned)), fromClient: false)
            for step in 0..<4 {
                let publish = MQTTPacket.Publish(
                    topic: MQTTString("t/\(index)/\(step)"), payload: .text("m\(step)"), qos: .atLeastOnce, packetID: UInt16(step + 1))
                conversation.send(.publish(publish), fromClient: step % 2 == 0)
                conversation.send(.pubAck(.init(packetID: UInt16(step + 1))), fromClient: step % 2 == 1)
            }
            conversation.finish()
            conversations.append(conversation)
        }
        // Round robin: packet n of every connection, then packet n + 1.
        var packets: [CapturedPacket] = []
        for position in 0..<conversations.map(\.packets.count).max()! {
            for conversation in conversations where position < conversation.packets.count {
                packets.append(conversation.packets[position])
            }
        }
        let events = decode(packets)
        #expect(events.messages.count == connections * 10)

        let shared = EventJSON.Cache()
        var cachedLines: [String] = []
        var uncachedLines: [String] = []
        for event in events {
            var cached = JSONLineBuilder()
            EventJSON.write(event, into: &cached, cache: shared)
            cachedLines.append(String(decoding: cached.bytes, as: UTF8.self))
            var uncached = JSONLineBuilder()
            EventJSON.write(event, into: &uncached, cache: EventJSON.Cache())
            uncachedLines.append(String(decoding: uncached.bytes, as: UTF8.self))
        }
        let differing = zip(cachedLines, uncachedLines).filter { $0 != $1 }
        #expect(differing.isEmpty, "\(differing.prefix(2))")
        // And the lines say what each connection is: its port, and the id its client had.
        for index in [1, 65, 129, 14, 78] {
            let port = 40_000 + index
            let lines = cachedLines.filter { $0.contains("\"src\":\"10.0.0.1:\(port)\"") }
            #expect(lines.count == 5, "connection \(index): \(lines.count) lines from its client")
            let expected = index % 7 == 0 ? (index % 3 == 0 ? "assigned-\(index)" : "") : "client-\(index)"
            let publishes = lines.filter { $0.contains("\"type\":\"PUBLISH\"") }
            #expect(!publishes.isEmpty && publishes.allSatisfy { $0.contains("\"client\":\"\(expected)\"") }, "\(publishes.first ?? "")")
        }
    }
}
