import NIOCore
import Wire

/// The text line of a CMP message: the same columns as MQTT's, the user/device of the
/// connection's LOGIN in the client column, and the fields that say what happened.
extension EventText {
    mutating func cmpLine(_ message: DecodedCMPMessage) -> String {
        let client = message.user.map { user in message.device.map { "\(user)/\($0)" } ?? user } ?? message.connection.client.description
        let arrow = message.direction == .clientToServer ? "->" : "<-"
        var text = "\(time(message.timestamp)) \(pad(client, 24)) \(arrow) \(pad(message.message.type.name, 11)) \(fields(message.message))"
        if message.message.type == .login && message.connection.overWebSocket { text += " over-websocket" }
        while text.hasSuffix(" ") { text.removeLast() }
        if let latency = message.latency { text += "  (\(millis(latency)) after request)" }
        let problems = message.frame.problems + message.notes
        if !problems.isEmpty { text += "  !! " + problems.joined(separator: "; ") }
        return text
    }

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
        case .send(let send):
            return "id=\(send.messageID) -> \(send.recipient)\(send.toRoom ? " (room)" : "")" + extensions(send.extensions) + " len=\(send.payload.readableBytes) "
                + preview(send.payload)
        case .sendAck(let ack):
            return "id=\(ack.messageID) \(ack.result.name) serverId=\(ack.serverMessageID)" + extensions(ack.extensions)
        case .deliver(let deliver):
            return "serverId=\(deliver.serverMessageID) from \(deliver.senderUser)/\(deliver.senderDevice)" + (deliver.room.map { " in room \($0)" } ?? "")
                + extensions(deliver.extensions) + " len=\(deliver.payload.readableBytes) " + preview(deliver.payload)
        case .deliverAck(let ack):
            return "serverId=\(ack.serverMessageID)" + extensions(ack.extensions)
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
