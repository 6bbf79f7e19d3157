import NIOCore
import Wire

/// The JSON line of a CMP message in `decode --json` (schema in docs/json.md): the common
/// header, the connection's user and device, and `fields` named as in the spec, in camelCase.
enum CMPFieldsJSON {
    static func write(_ message: DecodedCMPMessage, into json: inout JSONLineBuilder, cache: EventJSON.Cache) {
        EventJSON.header(message.timestamp, message.connection, message.direction, .cmp, type: message.message.type.name, cache, &json)
        EventJSON.context(message.connection, message.direction, &json)
        json.field("user", message.user)
        json.field("device", message.device)
        json.field("length", message.frame.wireLength)
        json.key("fields")
        fields(message.message, &json)
        if let latency = message.latency {
            json.key("latencyMs")
            json.number(latency * 1000, decimals: 3)
        }
        json.key("problems")
        json.beginArray()
        for problem in message.frame.problems { json.string(problem) }
        for note in message.notes { json.string(note) }
        json.endArray()
    }

    static func fields(_ message: CMPMessage, _ json: inout JSONLineBuilder) {
        json.beginObject()
        switch message {
        case .login(let login):
            json.field("protocolName", login.protocolName)
            json.field("version", login.version)
            json.field("keepAlive", login.keepAlive)
            json.field("user", login.user)
            json.field("device", login.device)
            // Never the token itself: its length says whether one was sent.
            json.field("tokenLength", login.token.utf8.count)
            extensions(login.extensions, &json)
        case .loginAck(let ack):
            result(ack.result, "result", "resultCode", &json)
            json.key("sessionId")
            json.unsigned(ack.sessionID)
            json.key("serverTime")
            json.unsigned(ack.serverTime)
            json.field("keepAlive", ack.keepAlive)
            extensions(ack.extensions, &json)
        case .send(let send):
            json.field("messageId", send.messageID)
            json.field("recipient", send.recipient)
            json.field("toRoom", send.toRoom)
            extensions(send.extensions, &json)
            payload(send.payload, &json)
        case .sendAck(let ack):
            json.field("messageId", ack.messageID)
            result(ack.result, "result", "resultCode", &json)
            json.key("serverMessageId")
            json.unsigned(ack.serverMessageID)
            extensions(ack.extensions, &json)
        case .deliver(let deliver):
            json.key("serverMessageId")
            json.unsigned(deliver.serverMessageID)
            json.field("senderUser", deliver.senderUser)
            json.field("senderDevice", deliver.senderDevice)
            json.key("serverTime")
            json.unsigned(deliver.serverTime)
            json.field("room", deliver.room)
            extensions(deliver.extensions, &json)
            payload(deliver.payload, &json)
        case .deliverAck(let ack):
            json.key("serverMessageId")
            json.unsigned(ack.serverMessageID)
            extensions(ack.extensions, &json)
        case .ping, .pong:
            break
        case .kick(let kick):
            result(kick.reason, "reason", "reasonCode", &json)
            extensions(kick.extensions, &json)
        case .logout(let logout):
            extensions(logout.extensions, &json)
        }
        json.endObject()
    }

    /// A result code as its spec name ("recipient-offline", "unknown-0x42") and its number.
    private static func result(_ code: CMPResultCode, _ nameKey: StaticString, _ codeKey: StaticString, _ json: inout JSONLineBuilder) {
        json.field(nameKey, code.name)
        json.field(codeKey, code.rawValue)
    }

    /// `payloadLength` and `payload`, by the PUBLISH rule: UTF-8 text when it is, else base64
    /// with `"payloadEncoding": "base64"`.
    private static func payload(_ payload: ByteBuffer, _ json: inout JSONLineBuilder) {
        json.field("payloadLength", payload.readableBytes)
        payload.withUnsafeReadableBytes { MQTTFieldsJSON.payload($0, &json) }
    }

    /// `extensions`, only when the message carries any (nearly none does): the four of version
    /// 1 by their camelCase names, the others as `unknown` entries with the value in base64.
    private static func extensions(_ extensions: CMPExtensions, _ json: inout JSONLineBuilder) {
        guard !extensions.isEmpty else { return }
        json.key("extensions")
        json.beginObject()
        if let reason = extensions.reasonString { json.field("reasonString", reason) }
        if let delay = extensions.reconnectDelay { json.field("reconnectDelay", delay) }
        if let time = extensions.clientTime {
            json.key("clientTime")
            json.unsigned(time)
        }
        if let type = extensions.contentType { json.field("contentType", type) }
        if !extensions.unknown.isEmpty {
            json.key("unknown")
            json.beginArray()
            for entry in extensions.unknown {
                json.beginObject()
                json.field("id", entry.id)
                json.field("name", entry.name)
                json.field("length", entry.value.count)
                json.key("value")
                json.base64(entry.value)
                json.endObject()
            }
            json.endArray()
        }
        json.endObject()
    }
}
