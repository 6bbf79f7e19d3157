import HostKit
import Wire

/// One JSON line per decode event (`decode --json`), schema in docs/json.md.
public enum EventJSON {
    /// Endpoints as quoted JSON strings, cached: formatting an address per message was a tenth
    /// of a large decode. Cleared when it grows past `limit`, so memory stays bounded.
    public final class EndpointCache {
        private var quoted: [Endpoint: [UInt8]] = [:]
        static let limit = 65_536

        public init() {}

        func bytes(_ endpoint: Endpoint) -> [UInt8] {
            if let known = quoted[endpoint] { return known }
            if quoted.count >= Self.limit { quoted.removeAll(keepingCapacity: true) }
            var bytes: [UInt8] = []
            JSONBytes.appendQuoted(endpoint.description, to: &bytes)
            quoted[endpoint] = bytes
            return bytes
        }
    }

    public static func write(_ event: DecodeEvent, into json: inout JSONLineBuilder, endpoints: EndpointCache = EndpointCache()) {
        json.beginObject()
        switch event {
        case .message(let message):
            header(message.timestamp, message.source, message.destination, proto: "mqtt", type: message.packet.type.name, endpoints, &json)
            context(message.connection, message.direction, &json)
            json.field("client", message.clientID)
            json.field("version", message.version.description)
            json.field("versionAssumed", message.versionAssumed)
            json.field("length", message.packet.wireLength)
            json.key("fields")
            MQTTFieldsJSON.write(message, into: &json)
            if let latency = message.latency {
                json.key("latencyMs")
                json.number(latency * 1000, decimals: 3)
            }
            json.key("problems")
            json.beginArray()
            for problem in message.packet.problems { json.string(problem) }
            for note in message.notes { json.string(note) }
            json.endArray()
        case .cmpMessage(let message):
            CMPFieldsJSON.write(message, into: &json, endpoints: endpoints)
        case .gap(let connection, let direction, let missing, let time, let proto):
            streamHeader(connection, direction, time, proto, type: "GAP", &json)
            json.key("fields")
            json.beginObject()
            json.field("missingBytes", missing)
            json.endObject()
        case .streamError(let connection, let direction, let time, let text, let skipped, let proto):
            streamHeader(connection, direction, time, proto, type: "DECODE_ERROR", &json)
            json.key("fields")
            json.beginObject()
            json.field("message", text)
            json.key("skippedBytes")
            if let skipped { json.int(skipped) } else { json.null() }
            json.endObject()
        case .truncated(let connection, let direction, let time, let type, let declared, let captured, let topic, let proto):
            streamHeader(connection, direction, time, proto, type: "TRUNCATED", &json)
            json.key("fields")
            json.beginObject()
            json.field("messageType", type)
            json.field("declaredLength", declared)
            json.field("capturedLength", captured)
            // A PUBLISH's topic (MQTT), a SEND's recipient (CMP).
            json.key(proto == .cmp ? "recipient" : "topic")
            if let topic { json.string(topic) } else { json.null() }
            json.endObject()
        case .unanswered(let connection, let flow):
            streamHeader(connection, flow.direction, flow.since, flow.proto, type: "UNANSWERED", &json)
            json.key("fields")
            json.beginObject()
            json.field("request", flow.request)
            if flow.proto == .cmp {
                json.field("messageId", flow.messageID)
                json.field("serverMessageId", flow.serverMessageID)
            } else {
                json.field("packetId", flow.packetID)
                json.field("qos", flow.qos)
            }
            json.field("awaiting", flow.awaiting)
            json.endObject()
        }
        json.endObject()
        json.endLine()
    }

    static func header(
        _ time: CaptureTimestamp, _ source: Endpoint, _ destination: Endpoint, proto: StaticString, type: String, _ endpoints: EndpointCache,
        _ json: inout JSONLineBuilder
    ) {
        json.key("ts")
        json.timestamp(seconds: time.seconds, microseconds: Int(time.nanoseconds / 1000))
        json.key("src")
        json.raw(endpoints.bytes(source))
        json.key("dst")
        json.raw(endpoints.bytes(destination))
        json.field("proto", proto)
        json.field("type", type)
    }

    static func context(_ connection: TCPConnection, _ direction: TCPDirection, _ json: inout JSONLineBuilder) {
        json.field("connection", connection.id)
        json.field("direction", direction == .clientToServer ? "client-to-server" : "server-to-client")
    }

    private static func streamHeader(
        _ connection: TCPConnection, _ direction: TCPDirection, _ time: CaptureTimestamp, _ proto: DecodedProtocol, type: String, _ json: inout JSONLineBuilder
    ) {
        let source = direction == .clientToServer ? connection.client : connection.server
        let destination = direction == .clientToServer ? connection.server : connection.client
        header(time, source, destination, proto: proto.staticName, type: type, EndpointCache(), &json)
        context(connection, direction, &json)
    }
}
