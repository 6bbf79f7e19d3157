import Testing
import Wire

@Suite("CMP result codes and message types")
struct CMPResultCodeTests {
    static let names: [(CMPResultCode, UInt8, String)] = [
        (.success, 0x00, "success"), (.storedOffline, 0x01, "stored-offline"),
        (.unspecifiedError, 0x80, "unspecified-error"), (.malformedMessage, 0x81, "malformed-message"),
        (.protocolError, 0x82, "protocol-error"), (.unsupportedVersion, 0x83, "unsupported-version"),
        (.badToken, 0x84, "bad-token"), (.tokenExpired, 0x85, "token-expired"),
        (.notLoggedIn, 0x86, "not-logged-in"), (.recipientOffline, 0x87, "recipient-offline"),
        (.recipientInvalid, 0x88, "recipient-invalid"), (.messageTooLarge, 0x89, "message-too-large"),
        (.rateLimited, 0x8A, "rate-limited"), (.serverBusy, 0x8B, "server-busy"),
        (.tooManyConnections, 0x8C, "too-many-connections"), (.duplicateLogin, 0x8D, "duplicate-login"),
        (.idleTimeout, 0x8E, "idle-timeout"), (.loginTimeout, 0x8F, "login-timeout"),
        (.slowConsumer, 0x90, "slow-consumer"), (.serverShutdown, 0x91, "server-shutdown"),
    ]

    @Test("every code in the spec's table has its value and name")
    func everyKnownCode() {
        for (code, value, name) in CMPResultCodeTests.names {
            #expect(code.rawValue == value, "\(name)")
            #expect(code.name == name && code.description == name)
            #expect(code.isKnown)
            #expect(code.isSuccess == (value < 0x80), "\(name)")
        }
        #expect(CMPResultCode.allKnown == CMPResultCodeTests.names.map(\.0))
    }

    @Test("codes not in the table are unknown-0xNN, successes below 0x80")
    func unknownCodes() {
        let known = Set(CMPResultCode.allKnown.map(\.rawValue))
        for value in UInt8.min...UInt8.max where !known.contains(value) {
            let code = CMPResultCode(rawValue: value)
            let hex = String(value, radix: 16, uppercase: true)
            #expect(code.name == "unknown-0x" + (hex.count == 1 ? "0" + hex : hex))
            #expect(!code.isKnown && code.isSuccess == (value < 0x80))
        }
        #expect(CMPResultCode(rawValue: 0x02).name == "unknown-0x02")
        #expect(CMPResultCode(rawValue: 0xFF).name == "unknown-0xFF")
    }

    @Test("message type names and values")
    func messageTypes() {
        let expected: [(CMPMessageType, UInt8, String)] = [
            (.login, 1, "LOGIN"), (.loginAck, 2, "LOGIN_ACK"), (.send, 3, "SEND"), (.sendAck, 4, "SEND_ACK"),
            (.deliver, 5, "DELIVER"), (.deliverAck, 6, "DELIVER_ACK"), (.ping, 7, "PING"), (.pong, 8, "PONG"),
            (.kick, 9, "KICK"), (.logout, 10, "LOGOUT"),
        ]
        #expect(CMPMessageType.allCases == expected.map(\.0))
        for (type, value, name) in expected {
            #expect(type.rawValue == value && type.name == name && type.description == name)
        }
        for reserved: UInt8 in [0, 11, 12, 13, 14, 15] { #expect(CMPMessageType(rawValue: reserved) == nil) }
    }

    @Test("extension names")
    func extensionNames() {
        #expect(CMPExtensions.name(ofID: 1) == "reason-string")
        #expect(CMPExtensions.name(ofID: 2) == "reconnect-delay")
        #expect(CMPExtensions.name(ofID: 3) == "client-time")
        #expect(CMPExtensions.name(ofID: 4) == "content-type")
        #expect(CMPUnknownExtension(id: 5, value: []).name == "unknown-5")
    }
}
