import Testing
import Wire

@Suite("MQTT reason codes")
struct MQTTReasonCodeTests {
    @Test("0x00 is named after its packet")
    func zero() {
        #expect(MQTTReasonCode.name(0x00, in: .connAck) == "Success")
        #expect(MQTTReasonCode.name(0x00, in: .pubAck) == "Success")
        #expect(MQTTReasonCode.name(0x00, in: .auth) == "Success")
        #expect(MQTTReasonCode.name(0x00, in: .disconnect) == "Normal disconnection")
        #expect(MQTTReasonCode.name(0x00, in: .subAck) == "Granted QoS 0")
        #expect(MQTTReasonCode.name(0x01, in: .subAck) == "Granted QoS 1")
        #expect(MQTTReasonCode.name(0x02, in: .subAck) == "Granted QoS 2")
    }

    @Test("every MQTT 5.0 reason code has the spec's name")
    func allV5() {
        let names: [UInt8: String] = [
            0x04: "Disconnect with Will Message", 0x10: "No matching subscribers", 0x11: "No subscription existed",
            0x18: "Continue authentication", 0x19: "Re-authenticate", 0x80: "Unspecified error",
            0x81: "Malformed Packet", 0x82: "Protocol Error", 0x83: "Implementation specific error",
            0x84: "Unsupported Protocol Version", 0x85: "Client Identifier not valid",
            0x86: "Bad User Name or Password", 0x87: "Not authorized", 0x88: "Server unavailable",
            0x89: "Server busy", 0x8A: "Banned", 0x8B: "Server shutting down", 0x8C: "Bad authentication method",
            0x8D: "Keep Alive timeout", 0x8E: "Session taken over", 0x8F: "Topic Filter invalid",
            0x90: "Topic Name invalid", 0x91: "Packet Identifier in use", 0x92: "Packet Identifier not found",
            0x93: "Receive Maximum exceeded", 0x94: "Topic Alias invalid", 0x95: "Packet too large",
            0x96: "Message rate too high", 0x97: "Quota exceeded", 0x98: "Administrative action",
            0x99: "Payload format invalid", 0x9A: "Retain not supported", 0x9B: "QoS not supported",
            0x9C: "Use another server", 0x9D: "Server moved", 0x9E: "Shared Subscriptions not supported",
            0x9F: "Connection rate exceeded", 0xA0: "Maximum connect time",
            0xA1: "Subscription Identifiers not supported", 0xA2: "Wildcard Subscriptions not supported",
        ]
        for (code, name) in names {
            #expect(MQTTReasonCode.name(code, in: .disconnect) == name)
            let validSomewhere = MQTTPacketType.allCases.contains { MQTTReasonCode.isValid(code, in: $0) }
            #expect(validSomewhere, "0x\(String(code, radix: 16)) is valid in some packet")
        }
        #expect(MQTTReasonCode.name(0x05, in: .pubAck) == "Unknown (0x05)")
        #expect(MQTTReasonCode.name(0xFF, in: .connAck) == "Unknown (0xFF)")
    }

    @Test("validity follows the spec's table of packets")
    func validity() {
        #expect(MQTTReasonCode.isValid(0x92, in: .pubRel) && MQTTReasonCode.isValid(0x92, in: .pubComp))
        #expect(!MQTTReasonCode.isValid(0x92, in: .pubAck))
        #expect(MQTTReasonCode.isValid(0x10, in: .pubRec) && !MQTTReasonCode.isValid(0x10, in: .pubComp))
        #expect(MQTTReasonCode.isValid(0x04, in: .disconnect) && !MQTTReasonCode.isValid(0x04, in: .connAck))
        #expect(MQTTReasonCode.isValid(0x84, in: .connAck) && !MQTTReasonCode.isValid(0x84, in: .disconnect))
        #expect(MQTTReasonCode.isValid(0x8B, in: .disconnect) && !MQTTReasonCode.isValid(0x8B, in: .connAck))
        #expect(MQTTReasonCode.isValid(0x18, in: .auth) && !MQTTReasonCode.isValid(0x80, in: .auth))
        #expect(!MQTTReasonCode.isValid(0x00, in: .publish))
    }

    @Test("MQTT 3.x CONNACK return codes and SUBACK codes")
    func v3() {
        #expect(
            (0...5).map { MQTTReasonCode.name($0, in: .connAck, version: .v3_1_1) } == [
                "Connection Accepted",
                "Connection Refused, unacceptable protocol version",
                "Connection Refused, identifier rejected",
                "Connection Refused, Server unavailable",
                "Connection Refused, bad user name or password",
                "Connection Refused, not authorized",
            ])
        #expect(MQTTReasonCode.name(1, in: .connAck, version: .v3_1) == "Connection Refused, unacceptable protocol version")
        #expect(!MQTTReasonCode.isValid(6, in: .connAck, version: .v3_1_1))
        #expect(MQTTReasonCode.name(2, in: .subAck, version: .v3_1_1) == "Success - Maximum QoS 2")
        #expect(MQTTReasonCode.isValid(0x80, in: .subAck, version: .v3_1_1))
        #expect(!MQTTReasonCode.isValid(0x80, in: .subAck, version: .v3_1))
        #expect(MQTTReasonCode.refusedNotAuthorized.name(in: .connAck, version: .v3_1_1) == "Connection Refused, not authorized")
    }
}
