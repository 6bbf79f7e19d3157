import NIOCore
import Testing
import Wire

@Suite("MQTT 5.0 packets")
struct MQTT5PacketTests {
    @Test("CONNECT with properties and will properties sets the decoder to 5.0")
    func connect() throws {
        var decoder = MQTTDecoder()
        let packets = try decodeAll(V5.connect, decoder: &decoder)
        #expect(decoder.version == .v5)
        guard case .connect(let connect) = packets.first?.body else {
            Issue.record("not CONNECT")
            return
        }
        #expect(connect.version == .v5 && connect.cleanStart && connect.keepAlive == 60 && connect.clientID == "c")
        #expect(
            connect.properties == [
                MQTTProperty(.sessionExpiryInterval, .fourByteInteger(120)),
                MQTTProperty(.receiveMaximum, .twoByteInteger(20)),
                .userProperty("k", "v"),
            ])
        let will = try #require(connect.will)
        #expect(will.qos == .exactlyOnce && !will.retain && will.topic == "w" && will.payload == [0x78])
        #expect(
            will.properties == [
                MQTTProperty(.willDelayInterval, .fourByteInteger(5)),
                MQTTProperty(.payloadFormatIndicator, .byte(1)),
                MQTTProperty(.contentType, .utf8String("t")),
            ])
        #expect(connect.username == "u" && connect.password == [1, 2])
    }

    @Test("CONNACK with properties, and refused")
    func connAck() throws {
        let packet = try decodeOne(V5.connAck, version: .v5)
        guard case .connAck(let connAck) = packet.body else {
            Issue.record("not CONNACK")
            return
        }
        #expect(!connAck.sessionPresent && connAck.reasonCode == .success)
        #expect(connAck.properties[.topicAliasMaximum] == .twoByteInteger(10))
        #expect(connAck.properties[.assignedClientIdentifier] == .utf8String("id"))
        #expect(connAck.properties[.maximumQoS] == .byte(1) && connAck.properties[.retainAvailable] == .byte(0))
        #expect(connAck.properties.count == 4)
        #expect(try decodeOne(V5.connAckRefused, version: .v5).body == .connAck(.init(reasonCode: .notAuthorized)))
        #expect(MQTTReasonCode.notAuthorized.name(in: .connAck) == "Not authorized")
    }

    @Test("PUBLISH with every PUBLISH property, Subscription Identifier twice")
    func publish() throws {
        let packet = try decodeOne(V5.publish, version: .v5)
        guard case .publish(let publish) = packet.body else {
            Issue.record("not PUBLISH")
            return
        }
        #expect(publish.topic == "t/1" && publish.qos == .atLeastOnce && publish.packetID == 7)
        #expect(publish.payload == ByteBuffer(string: "hello"))
        let p = publish.properties
        #expect(p[.payloadFormatIndicator] == .byte(1))
        #expect(p[.messageExpiryInterval] == .fourByteInteger(60))
        #expect(p[.topicAlias] == .twoByteInteger(5))
        #expect(p[.responseTopic] == .utf8String("r"))
        #expect(p[.correlationData] == .binaryData([0xCA, 0xFE]))
        #expect(p.values(.subscriptionIdentifier) == [.variableByteInteger(129), .variableByteInteger(2)])
        #expect(p[.contentType] == .utf8String("t/p"))
        #expect(p.userProperties.map { [$0.name, $0.value] } == [["k", "v"]])
        #expect(packet.problems == [])
    }

    @Test("PUBLISH with an empty topic and a Topic Alias has no problem; without the alias it has one")
    func publishAlias() throws {
        let packet = try decodeOne(V5.publishAlias, version: .v5)
        #expect(packet.problems == [])
        let bare: [UInt8] = [
            0x30, 0x04,  // PUBLISH QoS 0
            0x00, 0x00,  // topic ""
            0x00,  // no properties
            0x78,  // payload
        ]
        #expect(try decodeOne(bare, version: .v5).problems == ["empty topic name without a Topic Alias"])
    }

    @Test("acknowledgements: omitted reason code, reason code only, reason code and properties")
    func acks() throws {
        #expect(try decodeOne(V5.pubAck, version: .v5).body == .pubAck(.init(packetID: 1)))
        #expect(
            try decodeOne(V5.pubAckReason, version: .v5).body == .pubAck(.init(packetID: 1, reasonCode: .noMatchingSubscribers)))
        #expect(
            try decodeOne(V5.pubRec, version: .v5).body
                == .pubRec(
                    .init(packetID: 2, reasonCode: .unspecifiedError, properties: [MQTTProperty(.reasonString, .utf8String("bad"))])))
        #expect(
            try decodeOne(V5.pubRel, version: .v5).body == .pubRel(.init(packetID: 2, reasonCode: .packetIdentifierNotFound)))
        #expect(try decodeOne(V5.pubComp, version: .v5).body == .pubComp(.init(packetID: 2, reasonCode: .success)))
    }

    @Test("SUBSCRIBE options: No Local, Retain As Published, Retain Handling")
    func subscribe() throws {
        let packet = try decodeOne(V5.subscribe, version: .v5)
        guard case .subscribe(let subscribe) = packet.body else {
            Issue.record("not SUBSCRIBE")
            return
        }
        #expect(subscribe.packetID == 3)
        #expect(subscribe.properties == [MQTTProperty(.subscriptionIdentifier, .variableByteInteger(5)), .userProperty("a", "b")])
        #expect(
            subscribe.subscriptions == [
                .init(filter: "a/#", qos: .atLeastOnce, noLocal: true, retainAsPublished: true, retainHandling: .doNotSend),
                .init(filter: "b"),
            ])
        #expect(subscribe.subscriptions[0].optionsByte == 0x2D)
    }

    @Test("SUBACK, UNSUBSCRIBE, UNSUBACK")
    func subscriptionAcks() throws {
        #expect(
            try decodeOne(V5.subAck, version: .v5).body
                == .subAck(
                    .init(packetID: 3, reasonCodes: [.grantedQoS2, .notAuthorized], properties: [MQTTProperty(.reasonString, .utf8String("ok"))])))
        #expect(try decodeOne(V5.unsubscribe, version: .v5).body == .unsubscribe(.init(packetID: 4, filters: ["a/#"])))
        #expect(
            try decodeOne(V5.unsubAck, version: .v5).body
                == .unsubAck(.init(packetID: 4, reasonCodes: [.success, .noSubscriptionExisted])))
    }

    @Test("PINGREQ, PINGRESP, DISCONNECT in its three forms, AUTH in its two")
    func others() throws {
        #expect(try decodeOne(V5.pingRequest, version: .v5).body == .pingRequest)
        #expect(try decodeOne(V5.pingResponse, version: .v5).body == .pingResponse)
        #expect(try decodeOne(V5.disconnect, version: .v5).body == .disconnect(.init()))
        #expect(
            try decodeOne(V5.disconnectWithWill, version: .v5).body == .disconnect(.init(reasonCode: .disconnectWithWillMessage)))
        #expect(
            try decodeOne(V5.disconnectProperties, version: .v5).body
                == .disconnect(
                    .init(
                        reasonCode: .serverShuttingDown,
                        properties: [
                            MQTTProperty(.sessionExpiryInterval, .fourByteInteger(0)),
                            MQTTProperty(.serverReference, .utf8String("s")),
                        ])))
        #expect(try decodeOne(V5.authEmpty, version: .v5).body == .auth(.init()))
        #expect(
            try decodeOne(V5.auth, version: .v5).body
                == .auth(
                    .init(
                        reasonCode: .continueAuthentication,
                        properties: [
                            MQTTProperty(.authenticationMethod, .utf8String("PL")),
                            MQTTProperty(.authenticationData, .binaryData([1, 2])),
                        ])))
    }

    @Test("CONNACK without a property length: decoded, with a problem")
    func connAckWithoutProperties() throws {
        let packet = try decodeOne([0x20, 0x02, 0x00, 0x00], version: .v5)
        #expect(packet.body == .connAck(.init()))
        #expect(packet.problems == ["CONNACK has no property length"])
    }

    @Test("a Mosquitto bridge's protocol level 0x84 is read as 3.1.1 and noted")
    func bridgeLevel() throws {
        var bytes = V311.connectMinimal
        bytes[8] = 0x84  // protocol level 4 with the bridge bit
        var decoder = MQTTDecoder()
        let packet = try #require(try decodeAll(bytes, decoder: &decoder).first)
        #expect(decoder.version == .v3_1_1)
        #expect(packet.problems == ["protocol level 0x84 has bit 7 set (a Mosquitto bridge's non-standard marker)"])
    }
}
