import NIOCore
import Wire

/// One aligned line per decode event: time since the first packet, client, direction, type,
/// and the fields that matter for that type.
public struct EventText {
    public var start: CaptureTimestamp?
    /// Payload bytes shown before the line is cut (`…` marks the cut).
    public var payloadPreview = 48
    /// The client id or user of a connection, for the lines of stream events (a gap, an
    /// unanswered request), which carry only the connection; without it they show its address.
    public var clientName: ((TCPConnection) -> String?)?

    public init() {}

    public mutating func line(_ event: DecodeEvent) -> String {
        switch event {
        case .message(let message):
            // One string grown in place: interpolating padded pieces made a string per piece.
            var text = ""
            text.reserveCapacity(200)
            appendTime(message.timestamp, to: &text)
            text += " "
            // A client that sent an empty id (the broker assigns one) is shown by its address.
            let client = message.clientID.flatMap { $0.isEmpty ? nil : $0 } ?? message.connection.client.description
            appendPadded(client, 24, to: &text)
            text += message.direction == .clientToServer ? " -> " : " <- "
            appendPadded(message.packet.type.name, 11, to: &text)
            text += " "
            text += fields(message)
            while text.utf8.last == UInt8(ascii: " ") { text.removeLast() }
            if let latency = message.latency { text += "  (\(millis(latency)) after request)" }
            let problems = message.packet.problems + message.notes
            if !problems.isEmpty { text += "  !! " + problems.joined(separator: "; ") }
            if message.versionAssumed { text += assumptionNote(message) }
            return text
        case .cmpMessage(let message):
            return cmpLine(message)
        case .gap(let connection, let direction, let missing, let timestamp, _):
            return streamLine(timestamp, connection, direction, "GAP", "\(missing) bytes not captured; decoding resumes at the next message boundary")
        case .streamError(let connection, let direction, let timestamp, let message, let skipped, _):
            return streamLine(timestamp, connection, direction, "ERROR", message + (skipped.map { "; skipped \($0) bytes" } ?? ""))
        case .truncated(let connection, let direction, let timestamp, let type, let declared, let captured, let topic, let proto):
            let subject = topic.map { proto == .cmp ? " to=\($0)" : " topic=\($0)" } ?? ""
            return streamLine(timestamp, connection, direction, "TRUNCATED", "\(type) of \(declared) bytes, \(captured) captured" + subject)
        case .unanswered(let connection, let flow) where flow.proto == .cmp:
            let id = flow.messageID.map { " id=\($0)" } ?? flow.serverMessageID.map { " serverId=\($0)" } ?? ""
            return streamLine(flow.since, connection, flow.direction, "UNANSWERED", "\(flow.request)\(id): no \(flow.awaiting) by the end of the capture")
        case .unanswered(let connection, let flow):
            let what = "\(flow.request)\(flow.qos.map { " QoS \($0)" } ?? "")\(flow.packetID.map { " id=\($0)" } ?? "")"
            return streamLine(flow.since, connection, flow.direction, "UNANSWERED", "\(what): no \(flow.awaiting) by the end of the capture")
        case .webSocketClose(let connection, let direction, let timestamp, let code, let reason, _):
            let status = code.map { "\($0) \(WebSocketCloseCode.name($0))" } ?? "no status code"
            return streamLine(timestamp, connection, direction, "WS_CLOSE", status + (reason.isEmpty ? "" : " \"\(reason)\""))
        }
    }

    /// A stream event's line, in the columns of a message's: time, client, direction, kind, detail.
    private mutating func streamLine(
        _ timestamp: CaptureTimestamp, _ connection: TCPConnection, _ direction: TCPDirection, _ kind: String, _ detail: String
    ) -> String {
        "\(time(timestamp)) \(pad(name(of: connection), 24)) \(direction == .clientToServer ? "->" : "<-") \(pad(kind, 11)) \(detail)"
    }

    private func name(of connection: TCPConnection) -> String {
        clientName?(connection).flatMap { $0.isEmpty ? nil : $0 } ?? connection.client.description
    }

    private var assumptionShown = Set<UInt64>()

    private mutating func assumptionNote(_ message: DecodedMessage) -> String {
        guard assumptionShown.insert(message.connection.id).inserted else { return "" }
        return "  (capture started after CONNECT: decoded as MQTT \(message.version))"
    }

    mutating func time(_ timestamp: CaptureTimestamp) -> String {
        pad(relative(timestamp), 11, right: true)
    }

    /// Seconds since the first message, to the microsecond: `12.000345`, or `-0.000120` for a
    /// packet stamped before it (captures merged from several queues or files go back in time).
    /// Capture times are clamped to 2^40 s, so the microseconds fit in 64 bits.
    private mutating func relative(_ timestamp: CaptureTimestamp) -> String {
        if start == nil { start = timestamp }
        let micro = Int64((timestamp.seconds(since: start!) * 1_000_000).rounded())
        let fraction = String(micro.magnitude % 1_000_000)
        return (micro < 0 ? "-" : "") + String(micro.magnitude / 1_000_000) + "." + Self.zeros.prefix(6 - fraction.utf8.count) + fraction
    }

    private func fields(_ message: DecodedMessage) -> String {
        switch message.packet.body {
        case .connect(let connect):
            var parts = ["clientId=\(connect.clientID.text)", "v=\(connect.version?.description ?? "level \(connect.protocolLevel)")", "keepAlive=\(connect.keepAlive)"]
            if connect.cleanStart { parts.append("clean") }
            if let user = connect.username { parts.append("user=\(user.text)") }
            if let password = connect.password { parts.append("password=(\(password.count) bytes)") }
            if let will = connect.will { parts.append("will=\(will.topic.text) q\(will.qos.rawValue)\(will.retain ? " retain" : "")") }
            if message.connection.overWebSocket { parts.append("over-websocket") }
            return parts.joined(separator: " ") + properties(connect.properties)
        case .connAck(let ack):
            return "\(ack.reasonCode.name(in: .connAck, version: message.version))\(ack.sessionPresent ? " sessionPresent" : "")" + properties(ack.properties)
        case .publish(let publish):
            // Appended in place, not joined from an array: the line of the hot message.
            var text = "topic=" + (message.topic ?? publish.topic).text + " q" + String(publish.qos.rawValue)
            if let alias = message.topicAlias { text += " alias=" + String(alias) }
            if let id = publish.packetID { text += " id=" + String(id) }
            if publish.retain { text += " retain" }
            if publish.dup { text += " dup" }
            text += " len=" + String(publish.payload.readableBytes) + " " + preview(publish.payload)
            return text + properties(publish.properties)
        case .pubAck(let ack), .pubRec(let ack), .pubRel(let ack), .pubComp(let ack):
            return "id=\(ack.packetID)" + (ack.reasonCode.map { " \($0.name(in: message.packet.type, version: message.version))" } ?? "")
        case .subscribe(let subscribe):
            return "id=\(subscribe.packetID) " + subscribe.subscriptions.map { "\($0.filter.text) q\($0.qos.rawValue)" }.joined(separator: ", ")
        case .subAck(let ack):
            return "id=\(ack.packetID) " + ack.reasonCodes.map { $0.name(in: .subAck, version: message.version) }.joined(separator: ", ")
        case .unsubscribe(let unsubscribe):
            return "id=\(unsubscribe.packetID) " + unsubscribe.filters.map(\.text).joined(separator: ", ")
        case .unsubAck(let ack):
            return "id=\(ack.packetID)" + (ack.reasonCodes.isEmpty ? "" : " " + ack.reasonCodes.map { $0.name(in: .unsubAck, version: message.version) }.joined(separator: ", "))
        case .pingRequest, .pingResponse:
            return ""
        case .disconnect(let disconnect):
            return disconnect.reasonCode.map { $0.name(in: .disconnect, version: message.version) } ?? ""
        case .auth(let auth):
            return auth.reasonCode.name(in: .auth, version: message.version) + properties(auth.properties)
        }
    }

    private func properties(_ properties: MQTTProperties) -> String {
        properties.isEmpty ? "" : " props=" + properties.map(\.description).joined(separator: ",")
    }

    func preview(_ payload: ByteBuffer) -> String {
        let bytes = payload.getBytes(at: payload.readerIndex, length: min(payload.readableBytes, payloadPreview)) ?? []
        let cut = payload.readableBytes > payloadPreview ? "…" : ""
        // Printable ASCII (most payloads) is shown as it is: no per-character pass.
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            return "\"" + String(decoding: bytes, as: UTF8.self) + cut + "\""
        }
        if UTF8Check.isValid(bytes) || cut == "…" && UTF8Check.isValid(bytes.dropLast(3)) {
            let text = String(decoding: bytes, as: UTF8.self).map { $0.isNewline ? " " : $0 }
            return "\"" + String(text) + cut + "\""
        }
        let shown = bytes.prefix(payloadPreview / 2)
        let hex = String(unsafeUninitializedCapacity: shown.count * 2) { out in
            let digits: StaticString = "0123456789abcdef"
            for (index, byte) in shown.enumerated() {
                out[2 * index] = digits.utf8Start[Int(byte >> 4)]
                out[2 * index + 1] = digits.utf8Start[Int(byte & 0xF)]
            }
            return shown.count * 2
        }
        return "0x" + hex + cut
    }

    /// `12.5 ms`, or `0.023 ms` under a millisecond (acks on a LAN come in microseconds, which
    /// one decimal would show as 0.0); a latency below zero (an answer stamped before its
    /// request) keeps its sign.
    func millis(_ seconds: Double) -> String {
        let micro = Int64((seconds * 1_000_000).rounded())
        let sign = micro < 0 ? "-" : ""
        let magnitude = micro.magnitude
        if magnitude < 1000 {
            let digits = String(magnitude)
            return sign + "0." + Self.zeros.prefix(3 - digits.utf8.count) + digits + " ms"
        }
        let tenths = (magnitude + 50) / 100
        return sign + "\(tenths / 10).\(tenths % 10) ms"
    }

    /// `time(_:)`, appended.
    private mutating func appendTime(_ timestamp: CaptureTimestamp, to text: inout String) {
        let time = relative(timestamp)
        if time.utf8.count < 11 { text += Self.spaces.prefix(11 - time.utf8.count) }
        text += time
    }

    /// `pad(_:_:)`, appended.
    private func appendPadded(_ value: String, _ width: Int, to text: inout String) {
        text += value
        let count = Self.columns(value)
        if count < width { text += Self.spaces.prefix(width - count) }
    }

    private static let spaces = String(repeating: " ", count: 32)
    private static let zeros = String(repeating: "0", count: 6)

    /// Characters, not bytes, decide the width; for ASCII (nearly every id) they agree, and
    /// counting bytes spares the grapheme breaking.
    private static func columns(_ text: String) -> Int {
        text.utf8.allSatisfy({ $0 < 0x80 }) ? text.utf8.count : text.count
    }

    func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let count = Self.columns(text)
        if count >= width { return text }
        let spaces = String(repeating: " ", count: width - count)
        return right ? spaces + text : text + spaces
    }
}
