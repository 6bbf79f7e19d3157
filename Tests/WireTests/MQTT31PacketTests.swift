import NIOCore
import Testing
import Wire

@Suite("MQTT 3.1 packets")
struct MQTT31PacketTests {
    @Test("CONNECT with protocol name MQIsdp and level 3 sets the decoder to 3.1")
    func connect() throws {
        let packet = try decodeEveryWay(V31.connect, version: nil)
        guard case .connect(let connect) = packet.body else {
            Issue.record("not CONNECT")
            return
        }
        #expect(connect.protocolName == "MQIsdp" && connect.protocolLevel == 3 && connect.version == .v3_1)
        #expect(connect.clientID == "cid" && connect.keepAlive == 10 && connect.cleanStart)
        #expect(connect.username == "u" && connect.password == [0x70] && connect.will == nil)
        var decoder = MQTTDecoder()
        _ = try decodeAll(V31.connect, decoder: &decoder)
        #expect(decoder.version == .v3_1)
    }

    @Test("CONNACK return codes use the 3.x names")
    func connAck() throws {
        #expect(try decodeOne(V31.connAck, version: .v3_1).body == .connAck(.init()))
        let refused = try decodeOne(V31.connAckRefused, version: .v3_1)
        guard case .connAck(let connAck) = refused.body else {
            Issue.record("not CONNACK")
            return
        }
        #expect(connAck.reasonCode == .refusedIdentifierRejected)
        #expect(connAck.reasonCode.name(in: .connAck, version: .v3_1) == "Connection Refused, identifier rejected")
    }

    @Test("PUBLISH at QoS 0, 1 and 2")
    func publish() throws {
        #expect(try decodeOne(V31.publishQoS0, version: .v3_1).body == .publish(.init(topic: "x/y", payload: ByteBuffer(string: "abc"))))
        #expect(
            try decodeOne(V31.publishQoS1, version: .v3_1).body
                == .publish(.init(topic: "q1", payload: ByteBuffer(bytes: [0xFF]), qos: .atLeastOnce, packetID: 1)))
        #expect(
            try decodeOne(V31.publishQoS2, version: .v3_1).body
                == .publish(.init(topic: "q2", payload: ByteBuffer(), qos: .exactlyOnce, packetID: 2, retain: true)))
    }

    @Test("acknowledgements, subscriptions and the empty packets")
    func others() throws {
        #expect(try decodeOne(V31.pubAck, version: .v3_1).body == .pubAck(.init(packetID: 1)))
        #expect(try decodeOne(V31.pubRec, version: .v3_1).body == .pubRec(.init(packetID: 2)))
        #expect(try decodeOne(V31.pubRel, version: .v3_1).body == .pubRel(.init(packetID: 2)))
        #expect(try decodeOne(V31.pubComp, version: .v3_1).body == .pubComp(.init(packetID: 2)))
        #expect(
            try decodeOne(V31.subscribe, version: .v3_1).body
                == .subscribe(.init(packetID: 5, subscriptions: [.init(filter: "a/#")])))
        #expect(try decodeOne(V31.subAck, version: .v3_1).body == .subAck(.init(packetID: 5, reasonCodes: [.grantedQoS0])))
        #expect(try decodeOne(V31.unsubscribe, version: .v3_1).body == .unsubscribe(.init(packetID: 6, filters: ["a/#"])))
        #expect(try decodeOne(V31.unsubAck, version: .v3_1).body == .unsubAck(.init(packetID: 6)))
        #expect(try decodeOne(V31.pingRequest, version: .v3_1).body == .pingRequest)
        #expect(try decodeOne(V31.pingResponse, version: .v3_1).body == .pingResponse)
        #expect(try decodeOne(V31.disconnect, version: .v3_1).body == .disconnect(.init()))
    }

    @Test("SUBACK failure 0x80 did not exist in 3.1: decoded, with a problem")
    func subAckFailureIsNew() throws {
        let bytes: [UInt8] = [
            0x90, 0x03,  // SUBACK
            0x00, 0x05,  // packet identifier 5
            0x80,  // 3.1.1's Failure
        ]
        #expect(try decodeOne(bytes, version: .v3_1_1).problems == [])
        #expect(try decodeOne(bytes, version: .v3_1).problems == ["reason code 0x80 is not defined for SUBACK in MQTT 3.1"])
    }

    @Test("AUTH is MQTT 5.0 only: in a 3.x stream it decodes with a problem")
    func authOutsideV5() throws {
        let packet = try decodeOne(V5.auth, version: .v3_1)
        #expect(packet.type == .auth)
        #expect(packet.problems == ["AUTH exists only in MQTT 5.0, this stream is 3.1"])
    }
}
