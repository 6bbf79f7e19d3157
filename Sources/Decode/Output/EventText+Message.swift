import Capture
import NIOCore
import Wire

/// The text line of an MQTT message, written straight into the lines' memory: the hot path of
/// a text decode (a million lines for a large capture). PUBLISH and the acks, nearly every
/// line, are written piece by piece; the rare types write the String of `fields(_:)`.
extension EventText {
    /// The line of `message`, without its newline.
    public mutating func write(_ message: borrowing DecodedMessage, into text: inout JSONLineBuilder) {
        let start = text.count
        // A client that sent an empty id (the broker assigns one) is shown by its address.
        let client = message.clientID.flatMap { $0.isEmpty ? nil : $0 } ?? message.connection.client.description
        writeStart(message.timestamp, client, message.direction, into: &text)
        let type = message.packet.type.staticName
        text.text(type)
        text.spaces(11 - type.utf8CodeUnitCount)
        text.text(" ")
        writeFields(message, into: &text)
        text.trimSpaces(downTo: start)
        writeEnding(latency: message.latency, problems: message.packet.problems, message.notes, into: &text)
        if message.versionAssumed { text.text(assumptionNote(message)) }
    }

    /// How every message's line starts: the time, the client's column, the direction.
    mutating func writeStart(_ timestamp: CaptureTimestamp, _ client: String, _ direction: TCPDirection, into text: inout JSONLineBuilder) {
        writeTime(timestamp, into: &text)
        text.text(" ")
        writePadded(client, 24, into: &text)
        text.text(direction == .clientToServer ? " -> " as StaticString : " <- ")
    }

    /// How a message's line ends: the latency when it answered a request, then its problems.
    func writeEnding(latency: Double?, problems: [String], _ notes: [String], into text: inout JSONLineBuilder) {
        if let latency {
            text.text("  (")
            writeMillis(latency, into: &text)
            text.text(" after request)")
        }
        guard !problems.isEmpty || !notes.isEmpty else { return }
        text.text("  !! ")
        text.text((problems + notes).joined(separator: "; "))
    }

    /// What matters of each type: a PUBLISH's topic, QoS, id, flags, length and payload; an
    /// ack's id and reason.
    func writeFields(_ message: borrowing DecodedMessage, into text: inout JSONLineBuilder) {
        switch message.packet.body {
        case .publish(let publish):
            text.text("topic=")
            let topic = message.aliasedTopic ?? publish.topic
            if topic.isValidUTF8 { text.text(bytes: topic.bytes) } else { text.text(topic.text) }
            text.text(" q")
            text.decimal(publish.qos.rawValue)
            if let alias = message.topicAlias {
                text.text(" alias=")
                text.decimal(alias)
            }
            if let id = publish.packetID {
                text.text(" id=")
                text.decimal(id)
            }
            if publish.retain { text.text(" retain") }
            if publish.dup { text.text(" dup") }
            text.text(" len=")
            text.decimal(publish.payload.readableBytes)
            text.text(" ")
            writePreview(publish.payload, into: &text)
            if !publish.properties.isEmpty { text.text(properties(publish.properties)) }
        case .pubAck(let ack), .pubRec(let ack), .pubRel(let ack), .pubComp(let ack):
            text.text("id=")
            text.decimal(ack.packetID)
            if let code = ack.reasonCode {
                text.text(" ")
                text.text(code.name(in: message.packet.type, version: message.version))
            }
        default:
            text.text(fields(message))
        }
    }

    /// The first `payloadPreview` bytes of a payload (`…` marks the cut): quoted when they are
    /// text (line breaks shown as spaces), else in hex.
    func writePreview(_ payload: ByteBuffer, into text: inout JSONLineBuilder) {
        let cut = payload.readableBytes > payloadPreview
        payload.withUnsafeReadableBytes { all in
            let bytes = UnsafeRawBufferPointer(rebasing: all.prefix(payloadPreview))
            // Printable ASCII (most payloads) is shown as it is: no per-character pass.
            if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
                text.text("\"")
                text.append(bytes)
            } else if UTF8Check.isValid(bytes) || cut && UTF8Check.isValid(UnsafeRawBufferPointer(rebasing: bytes.dropLast(3))) {
                text.text("\"")
                text.text(String(String(decoding: bytes, as: UTF8.self).map { $0.isNewline ? " " : $0 }))
            } else {
                text.text("0x")
                text.hex(UnsafeRawBufferPointer(rebasing: bytes.prefix(payloadPreview / 2)))
                if cut { text.text("…") }
                return
            }
            if cut { text.text("…") }
            text.text("\"")
        }
    }

    /// `12.5 ms`, or `0.023 ms` under a millisecond (acks on a LAN come in microseconds, which
    /// one decimal would show as 0.0); a latency below zero (an answer stamped before its
    /// request) keeps its sign.
    func writeMillis(_ seconds: Double, into text: inout JSONLineBuilder) {
        let micro = Int64((seconds * 1_000_000).rounded())
        if micro < 0 { text.text("-") }
        let magnitude = micro.magnitude
        if magnitude < 1000 {
            text.text("0.")
            text.zeroPadded(magnitude, digits: 3)
        } else {
            let tenths = (magnitude + 50) / 100
            text.decimal(tenths / 10)
            text.text(".")
            text.decimal(tenths % 10)
        }
        text.text(" ms")
    }

    /// `value`, then spaces to `width` columns.
    func writePadded(_ value: String, _ width: Int, into text: inout JSONLineBuilder) {
        text.text(value)
        text.spaces(width - Self.columns(value))
    }
}
