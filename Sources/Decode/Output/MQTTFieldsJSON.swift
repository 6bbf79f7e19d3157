import NIOCore
import Wire

/// The `fields` object of an MQTT message in `decode --json` (schema in docs/json.md).
enum MQTTFieldsJSON {
    static func write(_ message: borrowing DecodedMessage, into json: inout JSONLineBuilder) {
        json.beginObject()
        fields(message.packet.body, message, &json)
        json.endObject()
    }

    /// The switch is over a borrowed parameter, not over `message.packet.body`: switching over
    /// a stored property copied the whole body (a PUBLISH's topic, payload and properties: a
    /// retain and a release each) for every message, because the writes to `json` in the cases
    /// could, for all the optimizer knew, change the message under the bindings.
    private static func fields(_ body: borrowing MQTTPacket.Body, _ message: borrowing DecodedMessage, _ json: inout JSONLineBuilder) {
        switch body {
        case .connect(let connect):
            json.key("clientId")
            string(connect.clientID, &json)
            json.key("protocolName")
            string(connect.protocolName, &json)
            json.field("protocolLevel", connect.protocolLevel)
            json.key("version")
            if let version = connect.version { json.string(version.description) } else { json.null() }
            json.field("keepAlive", connect.keepAlive)
            json.field("cleanStart", connect.cleanStart)
            json.key("username")
            if let username = connect.username { string(username, &json) } else { json.null() }
            // Never the password itself: its length says whether one was sent.
            json.key("passwordLength")
            if let password = connect.password { json.int(password.count) } else { json.null() }
            json.key("will")
            if let will = connect.will {
                json.beginObject()
                json.key("topic")
                string(will.topic, &json)
                json.field("qos", will.qos.rawValue)
                json.field("retain", will.retain)
                json.field("payloadLength", will.payload.count)
                payload(will.payload, &json)
                properties(will.properties, message, &json)
                json.endObject()
            } else {
                json.null()
            }
            properties(connect.properties, message, &json)
        case .connAck(let ack):
            json.field("sessionPresent", ack.sessionPresent)
            reason(ack.reasonCode, message, &json)
            properties(ack.properties, message, &json)
        case .publish(let publish):
            json.key("topic")
            // Not `aliasedTopic ?? topic`: that made an owned copy of the topic per message.
            if let aliased = message.aliasedTopic { string(aliased, &json) } else { string(publish.topic, &json) }
            if let alias = message.topicAlias {
                json.field("topicAlias", alias)
            }
            // Read out before the closure: capturing `publish` copied it (a retain and a release
            // of each of its references) per message.
            let (qos, retain, dup, packetID) = (publish.qos.rawValue, publish.retain, publish.dup, publish.packetID)
            let payloadLength = publish.payload.readableBytes
            json.run(room: 80 + 2 * JSONLineBuilder.maximumDecimalSize) { run in
                run.literal("\"qos\":")
                run.decimal(qos)
                run.literal(",\"retain\":")
                run.bool(retain)
                run.literal(",\"dup\":")
                run.bool(dup)
                run.literal(",\"packetId\":")
                run.decimal(packetID)
                run.literal(",\"payloadLength\":")
                run.decimal(payloadLength)
            }
            publish.payload.withUnsafeReadableBytes { payload($0, &json) }
            properties(publish.properties, message, &json)
        case .pubAck(let ack), .pubRec(let ack), .pubRel(let ack), .pubComp(let ack):
            json.run(room: 11 + JSONLineBuilder.maximumDecimalSize) { run in
                run.literal("\"packetId\":")
                run.decimal(ack.packetID)
            }
            if let code = ack.reasonCode { reason(code, message, &json) }
            properties(ack.properties, message, &json)
        case .subscribe(let subscribe):
            json.field("packetId", subscribe.packetID)
            json.key("subscriptions")
            json.beginArray()
            for subscription in subscribe.subscriptions {
                json.beginObject()
                json.key("filter")
                string(subscription.filter, &json)
                json.field("qos", subscription.qos.rawValue)
                if message.version == .v5 {
                    json.field("noLocal", subscription.noLocal)
                    json.field("retainAsPublished", subscription.retainAsPublished)
                    json.field("retainHandling", subscription.retainHandling.rawValue)
                }
                json.endObject()
            }
            json.endArray()
            properties(subscribe.properties, message, &json)
        case .subAck(let ack):
            json.field("packetId", ack.packetID)
            reasons(ack.reasonCodes, message, &json)
            properties(ack.properties, message, &json)
        case .unsubscribe(let unsubscribe):
            json.field("packetId", unsubscribe.packetID)
            json.key("filters")
            json.beginArray()
            for filter in unsubscribe.filters { string(filter, &json) }
            json.endArray()
            properties(unsubscribe.properties, message, &json)
        case .unsubAck(let ack):
            json.field("packetId", ack.packetID)
            reasons(ack.reasonCodes, message, &json)
            properties(ack.properties, message, &json)
        case .pingRequest, .pingResponse:
            break
        case .disconnect(let disconnect):
            if let code = disconnect.reasonCode { reason(code, message, &json) }
            properties(disconnect.properties, message, &json)
        case .auth(let auth):
            reason(auth.reasonCode, message, &json)
            properties(auth.properties, message, &json)
        }
    }

    /// A string field: text when valid UTF-8, else the bytes in base64 under `<key>Base64`
    /// would break the schema, so invalid text is shown with replacement characters and the
    /// problem is listed in `problems`.
    static func string(_ value: borrowing MQTTString, _ json: inout JSONLineBuilder) {
        if value.isValidUTF8 {
            json.string(utf8: value.bytes)
        } else {
            json.string(value.text)
        }
    }

    /// `payload` as UTF-8 text when it is, else base64 with `payloadEncoding: "base64"`.
    static func payload<C: Collection>(_ bytes: C, _ json: inout JSONLineBuilder) where C.Element == UInt8 {
        json.key("payload")
        let asText =
            bytes.withContiguousStorageIfAvailable { json.string(ifUTF8: UnsafeRawBufferPointer($0)) }
            ?? Array(bytes).withUnsafeBytes { json.string(ifUTF8: $0) }
        if !asText {
            json.base64(bytes)
            json.field("payloadEncoding", "base64")
        }
    }

    static func reason(_ code: MQTTReasonCode, _ message: borrowing DecodedMessage, _ json: inout JSONLineBuilder) {
        json.field("reasonCode", code.rawValue)
        json.field("reason", code.name(in: message.packet.type, version: message.version))
    }

    static func reasons(_ codes: [MQTTReasonCode], _ message: borrowing DecodedMessage, _ json: inout JSONLineBuilder) {
        json.key("reasonCodes")
        json.beginArray()
        for code in codes { json.int(code.rawValue) }
        json.endArray()
        json.key("reasons")
        json.beginArray()
        for code in codes { json.string(code.name(in: message.packet.type, version: message.version)) }
        json.endArray()
    }

    /// `"properties"` for MQTT 5 messages (3.x has none: the key is left out, which also keeps
    /// a large decode's output smaller).
    static func properties(_ properties: MQTTProperties, _ message: borrowing DecodedMessage, _ json: inout JSONLineBuilder) {
        guard message.version == .v5 || !properties.isEmpty else { return }
        json.key("properties")
        propertyObject(properties, &json)
    }

    /// Properties as an object by their camelCase names; user properties as a list of pairs.
    static func propertyObject(_ properties: MQTTProperties, _ json: inout JSONLineBuilder) {
        json.beginObject()
        // In place through the buffer, by index: `for property in properties` copied every
        // property (a retain and a release of each string it holds), per MQTT 5 message.
        properties.elements.withUnsafeBufferPointer { properties in
            var hasUserProperties = false
            for index in properties.indices {
                let id = properties[index].id
                if id == .userProperty, case .utf8StringPair = properties[index].value {
                    hasUserProperties = true
                    continue
                }
                if let key = id.jsonKey { json.key(key) } else { json.key(dynamic: id.key) }
                switch properties[index].value {
                case .byte(let value): json.int(value)
                case .twoByteInteger(let value): json.int(value)
                case .fourByteInteger(let value): json.int(value)
                case .variableByteInteger(let value): json.int(value)
                case .utf8String(let value): string(value, &json)
                case .binaryData(let value): json.base64(value)
                case .utf8StringPair(let name, let value):
                    json.beginArray()
                    string(name, &json)
                    string(value, &json)
                    json.endArray()
                }
            }
            // User properties last, as a list, in a second pass (no list of them built per message).
            guard hasUserProperties else { return }
            json.key("userProperties")
            json.beginArray()
            for index in properties.indices where properties[index].id == .userProperty {
                guard case .utf8StringPair(let name, let value) = properties[index].value else { continue }
                json.beginObject()
                json.key("name")
                string(name, &json)
                json.key("value")
                string(value, &json)
                json.endObject()
            }
            json.endArray()
        }
        json.endObject()
    }
}

/// UTF-8 validation without allocating a String.
enum UTF8Check {
    static func isValid<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        bytes.withContiguousStorageIfAvailable { isValid(UnsafeRawBufferPointer($0)) } ?? Array(bytes).withUnsafeBytes { isValid($0) }
    }

    /// ASCII runs eight bytes at a time, and back to them after each multi-byte character: a
    /// text payload with an accent or two was checked byte by byte from its first one on.
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        var index = 0
        while index < count {
            if index + 8 <= count, bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index += 8
                continue
            }
            let first = bytes[index]
            if first < 0x80 {
                index += 1
                continue
            }
            let extra: Int
            var minimum: UInt32
            var scalar: UInt32
            switch first {
            case 0xC2...0xDF:
                extra = 1
                minimum = 0x80
                scalar = UInt32(first & 0x1F)
            case 0xE0...0xEF:
                extra = 2
                minimum = 0x800
                scalar = UInt32(first & 0x0F)
            case 0xF0...0xF4:
                extra = 3
                minimum = 0x10000
                scalar = UInt32(first & 0x07)
            default: return false
            }
            guard index + extra < count else { return false }
            for offset in 1...extra {
                let next = bytes[index + offset]
                guard next & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(next & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return false }
            index += 1 + extra
        }
        return true
    }
}
