import NIOCore
import Testing
import Wire

@Suite("MQTT encoder")
struct MQTTEncoderTests {
    @Test("decoding a hand-written packet and encoding it again gives the same bytes", arguments: allVectors)
    func reencode(vector: MQTTVector) throws {
        let packet = try decodeOne(vector.bytes, version: vector.version)
        let encoded = try MQTTEncoder(version: vector.version).encode(packet.body)
        if vector.canonical {
            #expect(Array(encoded.readableBytesView) == vector.bytes)
        } else {
            #expect(try decodeOne(Array(encoded.readableBytesView), version: vector.version).body == packet.body)
        }
    }

    @Test("the spec's long forms are written in the short canonical form")
    func canonicalForm() throws {
        let packet = try decodeOne(V5.pubComp, version: .v5)  // reason code Success with an empty property block
        #expect(Array(try MQTTEncoder(version: .v5).encode(packet.body).readableBytesView) == [0x70, 0x03, 0x00, 0x02, 0x00])
    }

    static func bodies(_ version: MQTTVersion) -> [MQTTPacket.Body] {
        let v5 = version == .v5
        let props: MQTTProperties = v5 ? [.userProperty("k", "v")] : []
        let code: MQTTReasonCode? = v5 ? .unspecifiedError : nil
        return [
            .connect(
                .init(
                    version: version, clientID: "client", cleanStart: false, keepAlive: 30,
                    properties: v5 ? [MQTTProperty(.sessionExpiryInterval, .fourByteInteger(60))] : [],
                    will: .init(topic: "will/t", payload: [1, 2, 3], qos: .exactlyOnce, retain: true, properties: props),
                    username: "user", password: [0, 255])),
            .connect(.init(version: version, clientID: "c")),
            .connAck(.init(sessionPresent: version != .v3_1, reasonCode: .success, properties: props)),
            .connAck(.init(reasonCode: v5 ? .banned : .refusedServerUnavailable)),
            .publish(.init(topic: "a/b", payload: ByteBuffer(string: "payload"), properties: props)),
            .publish(.init(topic: "a/b", payload: ByteBuffer(), qos: .atLeastOnce, packetID: 1, retain: true, dup: true)),
            .publish(.init(topic: "x", payload: ByteBuffer(repeating: 7, count: 300), qos: .exactlyOnce, packetID: 65535)),
            .pubAck(.init(packetID: 1)),
            .pubAck(.init(packetID: 2, reasonCode: code, properties: props)),
            .pubRec(.init(packetID: 3, reasonCode: code)),
            .pubRel(.init(packetID: 4, reasonCode: v5 ? .success : nil, properties: props)),
            .pubComp(.init(packetID: 5)),
            .subscribe(
                .init(
                    packetID: 6,
                    subscriptions: [
                        .init(
                            filter: "a/+", qos: .atLeastOnce, noLocal: v5, retainAsPublished: v5, retainHandling: v5 ? .sendOnNewSubscribe : .sendOnSubscribe),
                        .init(filter: "#", qos: .exactlyOnce),
                    ], properties: props)),
            .subAck(.init(packetID: 6, reasonCodes: [.grantedQoS1, .grantedQoS2], properties: props)),
            .unsubscribe(.init(packetID: 7, filters: ["a/+", "#"], properties: props)),
            .unsubAck(.init(packetID: 7, reasonCodes: v5 ? [.success, .noSubscriptionExisted] : [], properties: props)),
            .pingRequest,
            .pingResponse,
            .disconnect(.init(reasonCode: v5 ? .serverBusy : nil, properties: props)),
        ] + (v5 ? [.auth(.init()), .auth(.init(reasonCode: .reAuthenticate, properties: [MQTTProperty(.authenticationMethod, .utf8String("m"))]))] : [])
    }

    @Test(
        "bodies built in code survive encode then decode (every way) in every version",
        arguments: [MQTTVersion.v3_1, .v3_1_1, .v5])
    func roundTrip(version: MQTTVersion) throws {
        let encoder = MQTTEncoder(version: version)
        for body in MQTTEncoderTests.bodies(version) {
            let bytes = Array(try encoder.encode(body).readableBytesView)
            let packet = try decodeEveryWay(bytes, version: version)
            #expect(packet.body == body)
            #expect(packet.problems == [], "\(body.type)")
            #expect(packet.flags == body.standardFlags)
        }
    }

    /// A value of the right type for `id`, in range.
    static func sample(_ id: MQTTPropertyID) -> MQTTPropertyValue {
        switch id.valueKind! {
        case .byte: return .byte(1)
        case .twoByteInteger: return .twoByteInteger(258)
        case .fourByteInteger: return .fourByteInteger(0x0102_0304)
        case .variableByteInteger: return .variableByteInteger(268_435_455)
        case .utf8String: return .utf8String("välue")
        case .binaryData: return .binaryData([0, 1, 0xFF])
        case .utf8StringPair: return .utf8StringPair("name", "value")
        }
    }

    @Test("every property of every type round-trips in a packet that allows it")
    func everyProperty() throws {
        func properties(_ scope: MQTTPropertyScope) -> MQTTProperties {
            MQTTProperties(
                MQTTPropertyID.allKnown.filter { $0.allowedScope.contains(scope) }.map { MQTTProperty($0, MQTTEncoderTests.sample($0)) }
                    + [.userProperty("second", "")])
        }
        let bodies: [(MQTTPropertyScope, MQTTPacket.Body)] = [
            (
                .connect,
                .connect(
                    .init(
                        version: .v5, clientID: "c", properties: properties(.connect),
                        will: .init(topic: "w", payload: [], properties: properties(.will))))
            ),
            (.connAck, .connAck(.init(properties: properties(.connAck)))),
            (.publish, .publish(.init(topic: "t", payload: ByteBuffer(string: "ü"), properties: properties(.publish)))),
            (.pubAck, .pubAck(.init(packetID: 1, reasonCode: .success, properties: properties(.pubAck)))),
            (.pubRec, .pubRec(.init(packetID: 1, reasonCode: .success, properties: properties(.pubRec)))),
            (.pubRel, .pubRel(.init(packetID: 1, reasonCode: .success, properties: properties(.pubRel)))),
            (.pubComp, .pubComp(.init(packetID: 1, reasonCode: .success, properties: properties(.pubComp)))),
            (.subscribe, .subscribe(.init(packetID: 1, subscriptions: [.init(filter: "f")], properties: properties(.subscribe)))),
            (.subAck, .subAck(.init(packetID: 1, reasonCodes: [.grantedQoS0], properties: properties(.subAck)))),
            (.unsubscribe, .unsubscribe(.init(packetID: 1, filters: ["f"], properties: properties(.unsubscribe)))),
            (.unsubAck, .unsubAck(.init(packetID: 1, reasonCodes: [.success], properties: properties(.unsubAck)))),
            (.disconnect, .disconnect(.init(reasonCode: .normalDisconnection, properties: properties(.disconnect)))),
            (.auth, .auth(.init(reasonCode: .continueAuthentication, properties: properties(.auth)))),
        ]
        var covered = Set<UInt8>()
        var kinds = Set<String>()
        for (scope, body) in bodies {
            let bytes = Array(try MQTTEncoder(version: .v5).encode(body).readableBytesView)
            let packet = try decodeOne(bytes, version: .v5)
            #expect(packet.body == body, "\(scope)")
            #expect(packet.problems == [], "\(scope)")
            for property in properties(scope) {
                covered.insert(property.id.rawValue)
                kinds.insert("\(property.value.kind)")
            }
        }
        for property in properties(.will) { covered.insert(property.id.rawValue) }  // inside the CONNECT
        #expect(covered.count == 27)
        #expect(kinds.count == 7)
    }

    @Test(
        "remaining lengths at the variable byte integer boundaries are minimal",
        arguments: [(0, 1), (127, 1), (128, 2), (16_383, 2), (16_384, 3), (2_097_151, 3), (2_097_152, 4)])
    func lengthBoundaries(remaining: Int, byteCount: Int) throws {
        let body: MQTTPacket.Body =
            remaining == 0
            ? .pingRequest : .publish(.init(topic: "t", payload: ByteBuffer(repeating: 0x61, count: remaining - 3)))
        let encoded = try MQTTEncoder(version: .v3_1_1).encode(body)
        #expect(encoded.readableBytes == 1 + byteCount + remaining)
        #expect(Array(encoded.getBytes(at: 1, length: byteCount)!) == vbi(remaining))
        #expect(try decodeOne(Array(encoded.readableBytesView), version: .v3_1_1).body == body)
    }

    @Test("what a version cannot carry is an error, and the buffer is left as it was")
    func errors() throws {
        let v311 = MQTTEncoder(version: .v3_1_1)
        var buffer = ByteBuffer(bytes: [0xAA])
        let withProperties = MQTTPacket.Body.publish(.init(topic: "t", payload: ByteBuffer(), properties: [.userProperty("a", "b")]))
        #expect(throws: MQTTEncodeError(.notInVersion("properties", .v3_1_1))) { try v311.encode(withProperties, into: &buffer) }
        #expect(Array(buffer.readableBytesView) == [0xAA])
        #expect(throws: MQTTEncodeError(.notInVersion("AUTH", .v3_1_1))) { try v311.encode(.auth(.init()), into: &buffer) }
        #expect(throws: MQTTEncodeError(.notInVersion("reason code", .v3_1_1))) {
            try v311.encode(.pubAck(.init(packetID: 1, reasonCode: .unspecifiedError)), into: &buffer)
        }
        #expect(throws: MQTTEncodeError(.missingPacketIdentifier(.publish))) {
            try v311.encode(.publish(.init(topic: "t", payload: ByteBuffer(), qos: .atLeastOnce)), into: &buffer)
        }
        #expect(throws: MQTTEncodeError(.invalidQoS(3))) {
            try v311.encode(.publish(.init(topic: "t", payload: ByteBuffer(), qos: MQTTQoS(rawValue: 3), packetID: 1)), into: &buffer)
        }
        let longTopic = MQTTString(String(repeating: "a", count: 65_536))
        #expect(throws: MQTTEncodeError(.fieldTooLong(field: "topic name", length: 65_536, maximum: 65_535))) {
            try v311.encode(.publish(.init(topic: longTopic, payload: ByteBuffer())), into: &buffer)
        }
        let v5 = MQTTEncoder(version: .v5)
        #expect(throws: MQTTEncodeError(.propertyTypeMismatch(.topicAlias, .byte))) {
            try v5.encode(.publish(.init(topic: "t", payload: ByteBuffer(), properties: [MQTTProperty(.topicAlias, .byte(1))])), into: &buffer)
        }
        #expect(throws: MQTTEncodeError(.unknownProperty(MQTTPropertyID(rawValue: 0x05)))) {
            try v5.encode(.publish(.init(topic: "t", payload: ByteBuffer(), properties: [MQTTProperty(MQTTPropertyID(rawValue: 5), .byte(1))])), into: &buffer)
        }
        #expect(Array(buffer.readableBytesView) == [0xAA])
    }

    @Test("the NIO MessageToByteEncoder shell appends the packet")
    func nioShell() throws {
        var out = ByteBuffer()
        try MQTTEncoder(version: .v3_1_1).encode(data: MQTTPacket(.pingRequest), out: &out)
        #expect(Array(out.readableBytesView) == [0xC0, 0x00])
        #expect(MQTTPacket(.pubRel(.init(packetID: 1))).flags == 0b0010)
    }
}
