import Capture
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
            var text = JSONLineBuilder(capacity: 256)
            write(message, into: &text)
            return text.string(from: 0)
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

    mutating func assumptionNote(_ message: borrowing DecodedMessage) -> String {
        guard assumptionShown.insert(message.connection.id).inserted else { return "" }
        return "  (capture started after CONNECT: decoded as MQTT \(message.version))"
    }

    mutating func time(_ timestamp: CaptureTimestamp) -> String {
        var text = JSONLineBuilder(capacity: 32)
        writeTime(timestamp, into: &text)
        return text.string(from: 0)
    }

    /// Seconds since the first message, to the microsecond (`12.000345`, or `-0.000120` for a
    /// packet stamped before it: captures merged from several queues or files go back in time),
    /// right-aligned in 11 columns. Capture times are clamped to 2^40 s, so the microseconds
    /// fit in 64 bits.
    mutating func writeTime(_ timestamp: CaptureTimestamp, into text: inout JSONLineBuilder) {
        if start == nil { start = timestamp }
        let micro = Int64((timestamp.seconds(since: start!) * 1_000_000).rounded())
        let whole = micro.magnitude / 1_000_000
        var digits = 1
        var rest = whole
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        text.spaces(11 - (micro < 0 ? 1 : 0) - digits - 7)
        if micro < 0 { text.text("-") }
        text.decimal(whole)
        text.text(".")
        text.zeroPadded(micro.magnitude % 1_000_000, digits: 6)
    }

    /// What matters of a message as a String: the rare types' fields (`writeFields` writes the
    /// hot ones, PUBLISH and the acks, piece by piece).
    func fields(_ message: borrowing DecodedMessage) -> String {
        switch message.packet.body {
        case .connect(let connect):
            var parts = [
                "clientId=\(connect.clientID.text)", "v=\(connect.version?.description ?? "level \(connect.protocolLevel)")", "keepAlive=\(connect.keepAlive)",
            ]
            if connect.cleanStart { parts.append("clean") }
            if let user = connect.username { parts.append("user=\(user.text)") }
            if let password = connect.password { parts.append("password=(\(password.count) bytes)") }
            if let will = connect.will { parts.append("will=\(will.topic.text) q\(will.qos.rawValue)\(will.retain ? " retain" : "")") }
            if message.connection.overWebSocket { parts.append("over-websocket") }
            return parts.joined(separator: " ") + properties(connect.properties)
        case .connAck(let ack):
            return "\(ack.reasonCode.name(in: .connAck, version: message.version))\(ack.sessionPresent ? " sessionPresent" : "")" + properties(ack.properties)
        case .publish, .pubAck, .pubRec, .pubRel, .pubComp:
            // Written byte by byte by `writeFields`.
            var text = JSONLineBuilder(capacity: 128)
            writeFields(message, into: &text)
            return text.string(from: 0)
        case .subscribe(let subscribe):
            return "id=\(subscribe.packetID) " + subscribe.subscriptions.map { "\($0.filter.text) q\($0.qos.rawValue)" }.joined(separator: ", ")
        case .subAck(let ack):
            return "id=\(ack.packetID) " + ack.reasonCodes.map { $0.name(in: .subAck, version: message.version) }.joined(separator: ", ")
        case .unsubscribe(let unsubscribe):
            return "id=\(unsubscribe.packetID) " + unsubscribe.filters.map(\.text).joined(separator: ", ")
        case .unsubAck(let ack):
            return "id=\(ack.packetID)"
                + (ack.reasonCodes.isEmpty ? "" : " " + ack.reasonCodes.map { $0.name(in: .unsubAck, version: message.version) }.joined(separator: ", "))
        case .pingRequest, .pingResponse:
            return ""
        case .disconnect(let disconnect):
            return disconnect.reasonCode.map { $0.name(in: .disconnect, version: message.version) } ?? ""
        case .auth(let auth):
            return auth.reasonCode.name(in: .auth, version: message.version) + properties(auth.properties)
        }
    }

    func properties(_ properties: MQTTProperties) -> String {
        properties.isEmpty ? "" : " props=" + properties.map(\.description).joined(separator: ",")
    }

    func preview(_ payload: ByteBuffer) -> String {
        var text = JSONLineBuilder(capacity: 128)
        writePreview(payload, into: &text)
        return text.string(from: 0)
    }

    /// `12.5 ms`, or `0.023 ms` under a millisecond (acks on a LAN come in microseconds, which
    /// one decimal would show as 0.0); a latency below zero (an answer stamped before its
    /// request) keeps its sign.
    public func millis(_ seconds: Double) -> String {
        var text = JSONLineBuilder(capacity: 32)
        writeMillis(seconds, into: &text)
        return text.string(from: 0)
    }

    /// Characters, not bytes, decide the width; for ASCII (nearly every id) they agree, and
    /// counting bytes spares the grapheme breaking.
    static func columns(_ text: String) -> Int {
        text.utf8.allSatisfy({ $0 < 0x80 }) ? text.utf8.count : text.count
    }

    func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let count = Self.columns(text)
        if count >= width { return text }
        let spaces = String(repeating: " ", count: width - count)
        return right ? spaces + text : text + spaces
    }
}
