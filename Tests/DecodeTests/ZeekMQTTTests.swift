import Capture
import CaptureTestSupport
import Decode
import Foundation
import Testing
import Wire

/// Zeek's MQTT test trace, decoded, against the connect, publish and subscribe logs Zeek's own
/// analyzer produced from it (Fixtures/zeek, BSD licence beside them).
@Suite("Zeek's MQTT trace")
struct ZeekMQTTTests {
    static let directory = PcapFixtures.directory + "/zeek"

    /// The rows of a Zeek log as dictionaries by field name.
    static func log(_ name: String) throws -> [[String: String]] {
        let text = try String(contentsOfFile: directory + "/expected/\(name).log", encoding: .utf8)
        var fields: [String] = []
        var rows: [[String: String]] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#fields") { fields = line.split(separator: "\t").dropFirst().map(String.init) }
            if line.hasPrefix("#") { continue }
            let values = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            rows.append(Dictionary(uniqueKeysWithValues: zip(fields, values)))
        }
        return rows
    }

    static func decodeTrace() throws -> [DecodedMessage] {
        let reader = try PcapFileReader(path: directory + "/mqtt.pcap")
        var packets: [CapturedPacket] = []
        while let packet = try reader.next() { packets.append(packet) }
        return decode(packets).messages
    }

    @Test("connects: client id, protocol name and version, and the CONNACK status")
    func connects() throws {
        let messages = try Self.decodeTrace()
        let expected = try Self.log("mqtt_connect")
        let connects = messages.filter { $0.packet.type == .connect }
        #expect(connects.count == expected.count)
        for row in expected {
            let connect = try #require(connects.first { $0.clientID == row["client_id"] })
            guard case .connect(let body) = connect.packet.body else { continue }
            #expect(body.protocolName.text == row["proto_name"])
            #expect(body.version?.description == row["proto_version"])
            #expect(connect.source.description == "\(row["id.orig_h"]!):\(row["id.orig_p"]!)")
            let ack = try #require(messages.first { $0.packet.type == .connAck && $0.connection.id == connect.connection.id })
            guard case .connAck(let connAck) = ack.packet.body else { continue }
            #expect(connAck.reasonCode.name(in: .connAck, version: ack.version) == row["connect_status"])
        }
    }

    @Test("publishes: direction, retain, QoS, topic, payload and its length")
    func publishes() throws {
        let messages = try Self.decodeTrace()
        let expected = try Self.log("mqtt_publish")
        let publishes = messages.filter { $0.packet.type == .publish }
        #expect(publishes.count == expected.count)
        for (row, message) in zip(expected, publishes) {
            guard case .publish(let publish) = message.packet.body else { continue }
            #expect((message.direction == .clientToServer ? "T" : "F") == row["from_client"])
            #expect((publish.retain ? "T" : "F") == row["retain"])
            #expect(["at most once", "at least once", "exactly once"][Int(publish.qos.rawValue)] == row["qos"])
            #expect(publish.topic.text == row["topic"])
            #expect(String(buffer: publish.payload) == row["payload"])
            #expect(String(publish.payload.readableBytes) == row["payload_len"])
        }
    }

    @Test("subscribes: topics, requested and granted QoS, acknowledged")
    func subscribes() throws {
        let messages = try Self.decodeTrace()
        let expected = try Self.log("mqtt_subscribe")
        let subscribes = messages.filter { $0.packet.type == .subscribe }
        #expect(subscribes.count == expected.count)
        for (row, message) in zip(expected, subscribes) {
            guard case .subscribe(let subscribe) = message.packet.body else { continue }
            #expect(subscribe.subscriptions.map(\.filter.text).joined(separator: ",") == row["topics"])
            #expect(subscribe.subscriptions.map { String($0.qos.rawValue) }.joined(separator: ",") == row["qos_levels"])
            let ack = messages.first { message in
                if case .subAck(let subAck) = message.packet.body { return subAck.packetID == subscribe.packetID }
                return false
            }
            #expect((ack != nil ? "T" : "F") == row["ack"])
            if case .subAck(let subAck)? = ack?.packet.body {
                #expect(subAck.reasonCodes.map { String($0.rawValue) }.joined(separator: ",") == row["granted_qos_level"])
            }
        }
    }
}
