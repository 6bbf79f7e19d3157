import Capture
import HostKit
import Wire

/// One JSON line per decode event (`decode --json`), schema in docs/json.md.
public enum EventJSON {
    /// The parts of a line that stay the same for every message of one direction of a
    /// connection, as JSON bytes ready to copy: `"src":…,"dst":…,"proto":…` and, for MQTT,
    /// `"connection":…,"direction":…,"client":…,"version":…,"versionAssumed":…`. Formatting
    /// them per message (addresses above all) was a fifth of a large decode's output time.
    /// Bounded: cleared when it holds `limit` directions.
    public final class Cache {
        private struct MQTTContext {
            var clientID: String?
            var version: MQTTVersion
            var versionAssumed: Bool
            var bytes: [UInt8]
        }

        /// One direction's constant parts as builders, copied into lines without touching a
        /// reference count (copying arrays out of the tables did, twice per line).
        private final class DirectionLine {
            @exclusivity(unchecked) var key = UInt64.max
            @exclusivity(unchecked) var head = JSONLineBuilder(capacity: 128)
            @exclusivity(unchecked) var context = JSONLineBuilder(capacity: 256)
            @exclusivity(unchecked) var hasContext = false
            @exclusivity(unchecked) var clientID: String?
            @exclusivity(unchecked) var version = MQTTVersion.v3_1_1
            @exclusivity(unchecked) var versionAssumed = false

            func remember(_ context: MQTTContext) {
                hasContext = true
                clientID = context.clientID
                version = context.version
                versionAssumed = context.versionAssumed
                self.context.replace(with: context.bytes)
            }
        }

        @exclusivity(unchecked) private var heads = IntegerKeyTable<[UInt8]>()
        @exclusivity(unchecked) private var contexts = IntegerKeyTable<MQTTContext>()
        /// The lines of directions written lately, direct-mapped by key: a capture's messages
        /// interleave a few busy connections, and the head and context, rebuilt from the tables
        /// at each change of direction, were rebuilt for two lines out of three.
        private let recent = (0..<Cache.recentSlots).map { _ in DirectionLine() }
        static let recentSlots = 64
        static let limit = 65_536

        /// The client id or user of a connection, for the lines of stream events, which carry
        /// only the connection; without it they have no `client` or `user`.
        public var clientName: ((TCPConnection) -> String?)?

        public init() {}

        private static func key(_ connection: TCPConnection, _ direction: TCPDirection) -> UInt64 {
            connection.id << 1 | (direction == .clientToServer ? 0 : 1)
        }

        /// `"src":…,"dst":…,"proto":…` of one direction of a connection.
        func head(_ connection: TCPConnection, _ direction: TCPDirection, _ proto: DecodedProtocol) -> [UInt8] {
            let key = Self.key(connection, direction)
            if let known = heads[key] { return known }
            if heads.count >= Self.limit { heads.removeAll() }
            let source = direction == .clientToServer ? connection.client : connection.server
            let destination = direction == .clientToServer ? connection.server : connection.client
            var json = JSONLineBuilder(capacity: 128)
            json.beginObject()
            json.field("src", source.description)
            json.field("dst", destination.description)
            json.field("proto", proto.staticName)
            if connection.overWebSocket { json.field("transport", "websocket") }
            // Without the object's braces: the bytes are spliced into a line.
            let bytes = Array(json.bytes.dropFirst())
            heads[key] = bytes
            return bytes
        }

        /// The start of an MQTT message's line, up to `length`.
        func writeHeader(_ message: borrowing DecodedMessage, into json: inout JSONLineBuilder) {
            let key = Self.key(message.connection, message.direction)
            writeHeader(message, recent[Int(truncatingIfNeeded: key) & (Self.recentSlots - 1)], key, into: &json)
        }

        private func writeHeader(_ message: borrowing DecodedMessage, _ line: DirectionLine, _ key: UInt64, into json: inout JSONLineBuilder) {
            if line.key != key { fill(line, key, message) }
            if !line.hasContext || line.clientID != message.clientID || line.version != message.version
                || line.versionAssumed != message.versionAssumed
            {
                let context = MQTTContext(
                    clientID: message.clientID, version: message.version, versionAssumed: message.versionAssumed,
                    bytes: Self.context(message))
                if contexts.count >= Self.limit { contexts.removeAll() }
                contexts[key] = context
                line.remember(context)
            }
            json.key("ts")
            json.timestamp(seconds: message.timestamp.seconds, microseconds: Int(message.timestamp.nanoseconds / 1000))
            let type = message.packet.type.staticName
            json.run(room: line.head.count + 13 + type.utf8CodeUnitCount + line.context.count) { run in
                run.bytes(line.head)
                run.literal(",\"type\":\"")
                run.literal(type)
                run.literal("\",")
                run.bytes(line.context)
            }
        }

        /// Makes a slot's line that of the direction `key`, from the tables, when another
        /// direction was the last one written through it.
        private func fill(_ line: DirectionLine, _ key: UInt64, _ message: borrowing DecodedMessage) {
            line.key = key
            line.head.replace(with: head(message.connection, message.direction, .mqtt))
            line.hasContext = false
            if let context = contexts[key] { line.remember(context) }
        }

        private static func context(_ message: DecodedMessage) -> [UInt8] {
            var json = JSONLineBuilder(capacity: 256)
            json.beginObject()
            EventJSON.context(message.connection, message.direction, &json)
            json.field("client", message.clientID)
            json.field("version", message.version.description)
            json.field("versionAssumed", message.versionAssumed)
            return Array(json.bytes.dropFirst())
        }
    }

    public static func write(_ event: borrowing DecodeEvent, into json: inout JSONLineBuilder, cache: Cache = Cache()) {
        json.beginObject()
        switch event {
        case .message(let message):
            cache.writeHeader(message, into: &json)
            json.run(room: 20 + JSONLineBuilder.maximumDecimalSize, endingInKey: true) { run in
                run.literal("\"length\":")
                run.decimal(message.packet.wireLength)
                run.literal(",\"fields\":")
            }
            MQTTFieldsJSON.write(message, into: &json)
            if let latency = message.latency {
                json.key("latencyMs")
                json.number(latency * 1000, decimals: 3)
            }
            if message.packet.problems.isEmpty && message.notes.isEmpty {
                json.run(room: 13) { run in run.literal("\"problems\":[]") }
            } else {
                json.key("problems")
                json.beginArray()
                for problem in message.packet.problems { json.string(problem) }
                for note in message.notes { json.string(note) }
                json.endArray()
            }
        case .cmpMessage(let message):
            CMPFieldsJSON.write(message, into: &json, cache: cache)
        case .gap(let connection, let direction, let missing, let time, let proto):
            streamHeader(connection, direction, time, proto, type: "GAP", cache, &json)
            json.key("fields")
            json.beginObject()
            json.field("missingBytes", missing)
            json.endObject()
        case .streamError(let connection, let direction, let time, let text, let skipped, let proto):
            streamHeader(connection, direction, time, proto, type: "DECODE_ERROR", cache, &json)
            json.key("fields")
            json.beginObject()
            json.field("message", text)
            json.key("skippedBytes")
            if let skipped { json.int(skipped) } else { json.null() }
            json.endObject()
        case .truncated(let connection, let direction, let time, let type, let declared, let captured, let topic, let proto):
            streamHeader(connection, direction, time, proto, type: "TRUNCATED", cache, &json)
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
            streamHeader(connection, flow.direction, flow.since, flow.proto, type: "UNANSWERED", cache, &json)
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
        case .webSocketClose(let connection, let direction, let time, let code, let reason, let proto):
            streamHeader(connection, direction, time, proto, type: "WS_CLOSE", cache, &json)
            json.key("fields")
            json.beginObject()
            json.field("code", code)
            json.field("codeName", code.map(WebSocketCloseCode.name))
            json.field("reason", reason)
            json.endObject()
        }
        json.endObject()
        json.endLine()
    }

    /// `ts`, `src`, `dst`, `proto` and `type`: how every line starts.
    static func header(
        _ time: CaptureTimestamp, _ connection: TCPConnection, _ direction: TCPDirection, _ proto: DecodedProtocol, type: String, _ cache: Cache,
        _ json: inout JSONLineBuilder
    ) {
        json.key("ts")
        json.timestamp(seconds: time.seconds, microseconds: Int(time.nanoseconds / 1000))
        json.raw(cache.head(connection, direction, proto))
        json.field("type", type)
    }

    static func context(_ connection: TCPConnection, _ direction: TCPDirection, _ json: inout JSONLineBuilder) {
        json.field("connection", connection.id)
        json.field("direction", direction == .clientToServer ? "client-to-server" : "server-to-client")
    }

    private static func streamHeader(
        _ connection: TCPConnection, _ direction: TCPDirection, _ time: CaptureTimestamp, _ proto: DecodedProtocol, type: String, _ cache: Cache,
        _ json: inout JSONLineBuilder
    ) {
        header(time, connection, direction, proto, type: type, cache, &json)
        context(connection, direction, &json)
        if let name = cache.clientName?(connection) { json.field(proto == .cmp ? "user" : "client", name) }
    }
}
