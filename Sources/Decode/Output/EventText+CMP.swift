import NIOCore
import Wire

/// The text line of a CMP message: the same columns as MQTT's, the user/device of the
/// connection's LOGIN in the client column, and the fields that say what happened.
extension EventText {
    mutating func cmpLine(_ message: DecodedCMPMessage) -> String {
        var text = JSONLineBuilder(capacity: 256)
        write(message, into: &text)
        return text.string(from: 0)
    }

    /// The line of a CMP message, without its newline, written into the lines' memory like an
    /// MQTT message's: SEND, DELIVER and their acks (nearly every line of a CM's capture) piece
    /// by piece, the rare types from the String of `fields(_:)`.
    public mutating func write(_ message: borrowing DecodedCMPMessage, into text: inout JSONLineBuilder) {
        let start = text.count
        let client = message.user.map { user in message.device.map { "\(user)/\($0)" } ?? user } ?? message.connection.client.description
        writeStart(message.timestamp, client, message.direction, into: &text)
        writePadded(message.message.type.name, 11, into: &text)
        text.text(" ")
        writeFields(message.message, into: &text)
        if message.message.type == .login && message.connection.overWebSocket { text.text(" over-websocket") }
        text.trimSpaces(downTo: start)
        writeEnding(latency: message.latency, problems: message.frame.problems, message.notes, into: &text)
    }

    private func writeFields(_ message: CMPMessage, into text: inout JSONLineBuilder) {
        switch message {
        case .send(let send):
            text.text("id=")
            text.decimal(send.messageID)
            text.text(" -> ")
            text.text(send.recipient)
            if send.toRoom { text.text(" (room)") }
            writeCarried(send.extensions, send.payload, into: &text)
        case .sendAck(let ack):
            text.text("id=")
            text.decimal(ack.messageID)
            text.text(" ")
            text.text(ack.result.name)
            text.text(" serverId=")
            text.decimal(unsigned: ack.serverMessageID)
            writeExtensions(ack.extensions, into: &text)
        case .deliver(let deliver):
            text.text("serverId=")
            text.decimal(unsigned: deliver.serverMessageID)
            text.text(" from ")
            text.text(deliver.senderUser)
            text.text("/")
            text.text(deliver.senderDevice)
            if let room = deliver.room {
                text.text(" in room ")
                text.text(room)
            }
            writeCarried(deliver.extensions, deliver.payload, into: &text)
        case .deliverAck(let ack):
            text.text("serverId=")
            text.decimal(unsigned: ack.serverMessageID)
            writeExtensions(ack.extensions, into: &text)
        default:
            text.text(fields(message))
        }
    }

    /// A SEND's or DELIVER's extensions, payload length and payload preview.
    private func writeCarried(_ extensions: CMPExtensions, _ payload: ByteBuffer, into text: inout JSONLineBuilder) {
        writeExtensions(extensions, into: &text)
        text.text(" len=")
        text.decimal(payload.readableBytes)
        text.text(" ")
        writePreview(payload, into: &text)
    }

    private func writeExtensions(_ extensions: CMPExtensions, into text: inout JSONLineBuilder) {
        if !extensions.isEmpty { text.text(self.extensions(extensions)) }
    }

    /// What matters of a CMP message as a String: the rare types' fields (`writeFields` writes
    /// SEND, DELIVER and their acks piece by piece).
    private func fields(_ message: CMPMessage) -> String {
        switch message {
        case .login(let login):
            var text = "user=\(login.user) device=\(login.device) v=\(login.version) keepAlive=\(login.keepAlive)"
            if login.protocolName != CMPLogin.standardProtocolName { text += " protocol=\(login.protocolName)" }
            // Never the token: its length says whether one was sent.
            text += " token=(\(login.token.utf8.count) bytes)"
            return text + extensions(login.extensions)
        case .loginAck(let ack):
            return "\(ack.result.name) session=\(ack.sessionID) keepAlive=\(ack.keepAlive)" + extensions(ack.extensions)
        case .send, .sendAck, .deliver, .deliverAck:
            var text = JSONLineBuilder(capacity: 128)
            writeFields(message, into: &text)
            return text.string(from: 0)
        case .ping, .pong:
            return ""
        case .kick(let kick):
            return kick.reason.name + extensions(kick.extensions)
        case .logout(let logout):
            return extensions(logout.extensions)
        }
    }

    /// The extensions a message carries, each as the spec names it; unknown ones by id and size.
    private func extensions(_ extensions: CMPExtensions) -> String {
        guard !extensions.isEmpty else { return "" }
        var parts: [String] = []
        if let reason = extensions.reasonString { parts.append("\"" + String(reason.map { $0.isNewline ? " " : $0 }) + "\"") }
        if let delay = extensions.reconnectDelay { parts.append("reconnectDelay=\(delay)ms") }
        if let time = extensions.clientTime { parts.append("clientTime=\(time)") }
        if let type = extensions.contentType { parts.append("contentType=\(type)") }
        for entry in extensions.unknown { parts.append("\(entry.name)=(\(entry.value.count) bytes)") }
        return " " + parts.joined(separator: " ")
    }
}
