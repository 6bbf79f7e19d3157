import NIOCore
import Testing
import Wire

/// The variable byte integer of `value`, written here independently of the library.
func vbi(_ value: Int) -> [UInt8] {
    var bytes: [UInt8] = []
    var rest = value
    repeat {
        var byte = UInt8(rest % 128)
        rest /= 128
        if rest > 0 { byte |= 0x80 }
        bytes.append(byte)
    } while rest > 0
    return bytes
}

@Suite("MQTT 5.0 properties")
struct MQTTPropertyTests {
    @Test("all 27 properties: id, name, JSON key and value type")
    func table() {
        let expected: [(UInt8, String, String, MQTTPropertyValue.Kind)] = [
            (0x01, "Payload Format Indicator", "payloadFormatIndicator", .byte),
            (0x02, "Message Expiry Interval", "messageExpiryInterval", .fourByteInteger),
            (0x03, "Content Type", "contentType", .utf8String),
            (0x08, "Response Topic", "responseTopic", .utf8String),
            (0x09, "Correlation Data", "correlationData", .binaryData),
            (0x0B, "Subscription Identifier", "subscriptionIdentifier", .variableByteInteger),
            (0x11, "Session Expiry Interval", "sessionExpiryInterval", .fourByteInteger),
            (0x12, "Assigned Client Identifier", "assignedClientIdentifier", .utf8String),
            (0x13, "Server Keep Alive", "serverKeepAlive", .twoByteInteger),
            (0x15, "Authentication Method", "authenticationMethod", .utf8String),
            (0x16, "Authentication Data", "authenticationData", .binaryData),
            (0x17, "Request Problem Information", "requestProblemInformation", .byte),
            (0x18, "Will Delay Interval", "willDelayInterval", .fourByteInteger),
            (0x19, "Request Response Information", "requestResponseInformation", .byte),
            (0x1A, "Response Information", "responseInformation", .utf8String),
            (0x1C, "Server Reference", "serverReference", .utf8String),
            (0x1F, "Reason String", "reasonString", .utf8String),
            (0x21, "Receive Maximum", "receiveMaximum", .twoByteInteger),
            (0x22, "Topic Alias Maximum", "topicAliasMaximum", .twoByteInteger),
            (0x23, "Topic Alias", "topicAlias", .twoByteInteger),
            (0x24, "Maximum QoS", "maximumQoS", .byte),
            (0x25, "Retain Available", "retainAvailable", .byte),
            (0x26, "User Property", "userProperty", .utf8StringPair),
            (0x27, "Maximum Packet Size", "maximumPacketSize", .fourByteInteger),
            (0x28, "Wildcard Subscription Available", "wildcardSubscriptionAvailable", .byte),
            (0x29, "Subscription Identifier Available", "subscriptionIdentifierAvailable", .byte),
            (0x2A, "Shared Subscription Available", "sharedSubscriptionAvailable", .byte),
        ]
        #expect(MQTTPropertyID.allKnown.map(\.rawValue) == expected.map(\.0))
        for (id, name, key, kind) in expected {
            let property = MQTTPropertyID(rawValue: id)
            #expect(property.name == name && property.key == key && property.valueKind == kind)
            #expect(!property.allowedScope.isEmpty)
        }
        #expect(MQTTPropertyID(rawValue: 0x05).valueKind == nil && !MQTTPropertyID(rawValue: 0x05).isKnown)
        #expect(MQTTPropertyID.userProperty.allowedScope.contains(.will))
        #expect(MQTTPropertyID.willDelayInterval.allowedScope == .will)
    }

    @Test("a repeated property is a problem and the first value is kept")
    func duplicate() throws {
        let bytes: [UInt8] = [
            0x30, 0x0B,  // PUBLISH QoS 0
            0x00, 0x01, 0x74,  // topic "t"
            0x06,  // property length 6
            0x23, 0x00, 0x01,  // Topic Alias 1
            0x23, 0x00, 0x02,  // Topic Alias 2 again
            0x78,  // payload
        ]
        let packet = try decodeEveryWay(bytes, version: .v5)
        #expect(packet.problems == ["duplicate Topic Alias (the first is kept)"])
        guard case .publish(let publish) = packet.body else {
            Issue.record("not PUBLISH")
            return
        }
        #expect(publish.properties == [MQTTProperty(.topicAlias, .twoByteInteger(1))])
    }

    @Test("User Property may repeat, with the same name too")
    func userPropertiesRepeat() throws {
        let bytes: [UInt8] = [
            0x30, 0x12,  // PUBLISH QoS 0, remaining length 18
            0x00, 0x01, 0x74,  // topic "t"
            0x0E,  // property length 14
            0x26, 0x00, 0x01, 0x61, 0x00, 0x01, 0x62,  // User Property "a" = "b"
            0x26, 0x00, 0x01, 0x61, 0x00, 0x01, 0x63,  // User Property "a" = "c"
        ]
        let packet = try decodeEveryWay(bytes, version: .v5)
        #expect(packet.problems == [])
        guard case .publish(let publish) = packet.body else {
            Issue.record("not PUBLISH")
            return
        }
        #expect(publish.properties.userProperties.map { [$0.name, $0.value] } == [["a", "b"], ["a", "c"]])
    }

    @Test("Subscription Identifier repeats in PUBLISH but not in SUBSCRIBE")
    func subscriptionIdentifierInSubscribe() throws {
        let bytes: [UInt8] = [
            0x82, 0x0B,  // SUBSCRIBE, remaining length 11
            0x00, 0x01,  // packet identifier 1
            0x04,  // property length 4
            0x0B, 0x01,  // Subscription Identifier 1
            0x0B, 0x02,  // Subscription Identifier 2: not allowed twice here
            0x00, 0x01, 0x61,  // topic filter "a"
            0x00,  // options
        ]
        #expect(try decodeOne(bytes, version: .v5).problems == ["duplicate Subscription Identifier (the first is kept)"])
    }

    @Test("a property outside its packets is a problem and is kept")
    func notAllowed() throws {
        let publish: [UInt8] = [
            0x30, 0x0A,  // PUBLISH QoS 0
            0x00, 0x01, 0x74,  // topic "t"
            0x05,  // property length 5
            0x11, 0x00, 0x00, 0x00, 0x01,  // Session Expiry Interval 1: CONNECT, CONNACK, DISCONNECT only
            0x78,  // payload
        ]
        let packet = try decodeOne(publish, version: .v5)
        #expect(packet.problems == ["Session Expiry Interval is not allowed in PUBLISH"])
        guard case .publish(let body) = packet.body else {
            Issue.record("not PUBLISH")
            return
        }
        #expect(body.properties[.sessionExpiryInterval] == .fourByteInteger(1))

        let connect: [UInt8] = [
            0x10, 0x12,  // CONNECT, remaining length 18
            0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // "MQTT"
            0x05,  // level 5
            0x02,  // clean start
            0x00, 0x00,  // keep alive 0
            0x05,  // property length 5
            0x18, 0x00, 0x00, 0x00, 0x01,  // Will Delay Interval: will properties only
            0x00, 0x00,  // client identifier ""
        ]
        #expect(try decodeOne(connect).problems == ["Will Delay Interval is not allowed in CONNECT"])
    }

    @Test(
        "values the spec rules out are problems",
        arguments: [
            ([0x30, 0x07, 0x00, 0x01, 0x74, 0x02, 0x01, 0x02, 0x78] as [UInt8], "Payload Format Indicator 2 is neither 0 nor 1"),
            ([0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0x00, 0x00], "Receive Maximum 0 is not allowed"),
            ([0x20, 0x05, 0x00, 0x00, 0x02, 0x24, 0x02], "Maximum QoS 2 is neither 0 nor 1"),
            ([0x30, 0x08, 0x00, 0x01, 0x74, 0x03, 0x23, 0x00, 0x00, 0x78], "Topic Alias 0 is not allowed"),
            ([0x30, 0x07, 0x00, 0x01, 0x74, 0x03, 0x0B, 0x81, 0x00], "non-minimal encoding of the Subscription Identifier"),
            (
                [0x30, 0x09, 0x00, 0x01, 0x74, 0x02, 0x01, 0x01, 0xC3, 0x28, 0x61],
                "payload is not UTF-8 although its Payload Format Indicator says it is"
            ),
        ])
    func ranges(bytes: [UInt8], problem: String) throws {
        #expect(try decodeOne(bytes, version: .v5).problems == [problem])
    }

    @Test("a property bomb costs O(bytes): 200,000 duplicates give one property and one problem")
    func bomb() throws {
        var properties: [UInt8] = []
        for index in 0..<200_000 { properties += [0x23, 0x00, UInt8(truncatingIfNeeded: index | 1)] }
        let body: [UInt8] = [0x00, 0x01, 0x74] + vbi(properties.count) + properties
        let bytes: [UInt8] = [0x30] + vbi(body.count) + body
        let clock = ContinuousClock()
        var packet: MQTTPacket?
        let elapsed = try clock.measure { packet = try decodeOne(bytes, version: .v5) }
        #expect(packet?.problems == ["duplicate Topic Alias (the first is kept)"])
        guard case .publish(let publish) = packet?.body else {
            Issue.record("not PUBLISH")
            return
        }
        #expect(publish.properties.count == 1)
        #expect(elapsed < .seconds(5))
    }

    @Test("100,000 User Properties are all kept")
    func manyUserProperties() throws {
        var properties: [UInt8] = []
        for _ in 0..<100_000 { properties += [0x26, 0x00, 0x00, 0x00, 0x00] }  // User Property "" = ""
        let body: [UInt8] = [0x00, 0x01, 0x74] + vbi(properties.count) + properties
        let packet = try decodeOne([0x30] + vbi(body.count) + body, version: .v5)
        guard case .publish(let publish) = packet.body else {
            Issue.record("not PUBLISH")
            return
        }
        #expect(publish.properties.count == 100_000 && packet.problems == [])
    }

    @Test("MQTTString keeps its bytes and judges them once")
    func strings() {
        #expect(MQTTString("héllo").isValidUTF8 && MQTTString("héllo").bytes.count == 6)
        #expect(!MQTTString(bytes: [0xED, 0xA0, 0x80]).isValidUTF8)  // a UTF-16 surrogate, forbidden
        #expect(!MQTTString(bytes: [0xC0, 0xAF]).isValidUTF8)  // overlong "/"
        #expect(MQTTString(bytes: [0x61, 0x00]).containsNull && MQTTString(bytes: [0x61, 0x00]).isValidUTF8)
        #expect(MQTTString(bytes: [0xE2, 0x82, 0xAC]).text == "€")
    }
}
