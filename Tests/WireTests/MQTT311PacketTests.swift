import NIOCore
import Testing
import Wire

@Suite("MQTT 3.1.1 packets")
struct MQTT311PacketTests {
    @Test(
        "every hand-written packet of every version decodes whole, byte by byte and split, without problems",
        arguments: allVectors)
    func everyVectorDecodesEveryWay(vector: MQTTVector) throws {
        let packet = try decodeEveryWay(vector.bytes, version: vector.version)
        #expect(packet.problems == [])
        #expect(packet.flags == vector.bytes[0] & 0x0F)
        #expect(packet.type.rawValue == vector.bytes[0] >> 4)
    }

    @Test("CONNECT with will, user name and password")
    func connect() throws {
        var decoder = MQTTDecoder()
        var buffer = ByteBuffer(bytes: V311.connect)
        let packet = try #require(try decoder.decode(buffer: &buffer))
        guard case .connect(let connect) = packet.body else {
            Issue.record("not CONNECT")
            return
        }
        #expect(packet.type == .connect && packet.type.name == "CONNECT")
        #expect(connect.protocolName == "MQTT" && connect.protocolLevel == 4 && connect.version == .v3_1_1)
        #expect(connect.cleanStart && connect.keepAlive == 60)
        #expect(connect.clientID == "c1" && connect.properties.isEmpty)
        #expect(connect.will == MQTTPacket.Will(topic: "w", payload: MQTTString.bytes("bye"), qos: .atLeastOnce, retain: true))
        #expect(connect.username == "u" && connect.password == MQTTString.bytes("pw"))
        #expect(decoder.version == .v3_1_1 && !decoder.isVersionAssumed)
    }

    @Test("CONNECT with an empty client identifier and nothing optional")
    func connectMinimal() throws {
        let packet = try decodeOne(V311.connectMinimal)
        guard case .connect(let connect) = packet.body else {
            Issue.record("not CONNECT")
            return
        }
        #expect(connect.clientID.isEmpty && connect.will == nil && connect.username == nil && connect.password == nil)
        #expect(connect.keepAlive == 0 && connect.cleanStart)
    }

    @Test("CONNACK accepted with session present, and refused")
    func connAck() throws {
        let accepted = try decodeOne(V311.connAck, version: .v3_1_1)
        #expect(accepted.body == .connAck(.init(sessionPresent: true, reasonCode: .connectionAccepted)))
        let refused = try decodeOne(V311.connAckRefused, version: .v3_1_1)
        guard case .connAck(let connAck) = refused.body else {
            Issue.record("not CONNACK")
            return
        }
        #expect(connAck.reasonCode == .refusedNotAuthorized && !connAck.sessionPresent)
        #expect(connAck.reasonCode.name(in: .connAck, version: .v3_1_1) == "Connection Refused, not authorized")
    }

    @Test("PUBLISH at QoS 0, 1 and 2: flags, topic, packet identifier, payload")
    func publish() throws {
        let qos0 = try decodeOne(V311.publishQoS0)
        #expect(
            qos0.body == .publish(.init(topic: "a/b", payload: ByteBuffer(string: "hi"))))
        let qos1 = try decodeOne(V311.publishQoS1)
        #expect(
            qos1.body
                == .publish(
                    .init(topic: "t", payload: ByteBuffer(string: "x"), qos: .atLeastOnce, packetID: 10, retain: true, dup: true)))
        #expect(qos1.flags == 0b1011)
        let qos2 = try decodeOne(V311.publishQoS2)
        guard case .publish(let publish) = qos2.body else {
            Issue.record("not PUBLISH")
            return
        }
        #expect(publish.qos == .exactlyOnce && publish.packetID == 0x1234 && publish.payload.readableBytes == 0)
        #expect(!publish.dup && !publish.retain && publish.properties.isEmpty)
    }

    @Test("PUBACK, PUBREC, PUBREL and PUBCOMP carry only a packet identifier")
    func acks() throws {
        #expect(try decodeOne(V311.pubAck).body == .pubAck(.init(packetID: 10)))
        #expect(try decodeOne(V311.pubRec).body == .pubRec(.init(packetID: 0x1234)))
        let pubRel = try decodeOne(V311.pubRel)
        #expect(pubRel.body == .pubRel(.init(packetID: 0x1234)) && pubRel.flags == 0b0010)
        #expect(try decodeOne(V311.pubComp).body == .pubComp(.init(packetID: 0x1234)))
    }

    @Test("SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK")
    func subscriptions() throws {
        #expect(
            try decodeOne(V311.subscribe).body
                == .subscribe(
                    .init(packetID: 1, subscriptions: [.init(filter: "a/+", qos: .atLeastOnce), .init(filter: "#", qos: .exactlyOnce)])))
        let subAck = try decodeOne(V311.subAck)
        #expect(subAck.body == .subAck(.init(packetID: 1, reasonCodes: [.grantedQoS1, .subscriptionFailure])))
        #expect(MQTTReasonCode.name(0x80, in: .subAck, version: .v3_1_1) == "Failure")
        #expect(try decodeOne(V311.unsubscribe).body == .unsubscribe(.init(packetID: 2, filters: ["a/+"])))
        #expect(try decodeOne(V311.unsubAck).body == .unsubAck(.init(packetID: 2)))
    }

    @Test("PINGREQ, PINGRESP and DISCONNECT are empty")
    func empties() throws {
        #expect(try decodeOne(V311.pingRequest).body == .pingRequest)
        #expect(try decodeOne(V311.pingResponse).body == .pingResponse)
        #expect(try decodeOne(V311.disconnect).body == .disconnect(.init()))
        #expect(MQTTPacketType.pingRequest.name == "PINGREQ" && MQTTPacketType.pingResponse.name == "PINGRESP")
    }

    @Test("packet type names are the spec's")
    func typeNames() {
        #expect(
            MQTTPacketType.allCases.map(\.name) == [
                "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP", "SUBSCRIBE", "SUBACK",
                "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH",
            ])
        #expect(MQTTPacketType.allCases.map(\.rawValue) == Array(1...15))
    }
}
