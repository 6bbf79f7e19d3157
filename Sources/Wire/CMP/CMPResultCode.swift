/// A CMP result code: the one table for LOGIN_ACK results, SEND_ACK results and KICK reasons.
///
/// A struct with static members rather than an enum because the set is open on the wire: a
/// later version may send a code this one does not know, and the decoder must still carry it
/// (`name` is then "unknown-0xNN", and a client treats it as `unspecifiedError`).
public struct CMPResultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Logged in; delivered to every recipient connection.
    public static let success = CMPResultCode(rawValue: 0x00)
    /// The recipient is offline; the message was kept in the offline store.
    public static let storedOffline = CMPResultCode(rawValue: 0x01)
    public static let unspecifiedError = CMPResultCode(rawValue: 0x80)
    public static let malformedMessage = CMPResultCode(rawValue: 0x81)
    public static let protocolError = CMPResultCode(rawValue: 0x82)
    public static let unsupportedVersion = CMPResultCode(rawValue: 0x83)
    public static let badToken = CMPResultCode(rawValue: 0x84)
    public static let tokenExpired = CMPResultCode(rawValue: 0x85)
    public static let notLoggedIn = CMPResultCode(rawValue: 0x86)
    public static let recipientOffline = CMPResultCode(rawValue: 0x87)
    public static let recipientInvalid = CMPResultCode(rawValue: 0x88)
    public static let messageTooLarge = CMPResultCode(rawValue: 0x89)
    public static let rateLimited = CMPResultCode(rawValue: 0x8A)
    public static let serverBusy = CMPResultCode(rawValue: 0x8B)
    public static let tooManyConnections = CMPResultCode(rawValue: 0x8C)
    public static let duplicateLogin = CMPResultCode(rawValue: 0x8D)
    public static let idleTimeout = CMPResultCode(rawValue: 0x8E)
    public static let loginTimeout = CMPResultCode(rawValue: 0x8F)
    public static let slowConsumer = CMPResultCode(rawValue: 0x90)
    public static let serverShutdown = CMPResultCode(rawValue: 0x91)

    /// Every code the spec defines, in code order.
    public static let allKnown: [CMPResultCode] = [
        .success, .storedOffline, .unspecifiedError, .malformedMessage, .protocolError, .unsupportedVersion,
        .badToken, .tokenExpired, .notLoggedIn, .recipientOffline, .recipientInvalid, .messageTooLarge,
        .rateLimited, .serverBusy, .tooManyConnections, .duplicateLogin, .idleTimeout, .loginTimeout,
        .slowConsumer, .serverShutdown,
    ]

    /// Codes below 0x80 are successes, 0x80 and above failures (known or not).
    public var isSuccess: Bool { rawValue < 0x80 }

    /// Whether the spec defines this code.
    public var isKnown: Bool { CMPResultCode.knownName(rawValue) != nil }

    /// The spec's name ("success", "not-logged-in", ...), the label `cmtune decode` prints and
    /// the CM's metrics use; "unknown-0xNN" for a code the spec does not define.
    public var name: String { CMPResultCode.knownName(rawValue) ?? "unknown-0x\(hex2(rawValue))" }

    public var description: String { name }

    private static func knownName(_ code: UInt8) -> String? {
        switch code {
        case 0x00: return "success"
        case 0x01: return "stored-offline"
        case 0x80: return "unspecified-error"
        case 0x81: return "malformed-message"
        case 0x82: return "protocol-error"
        case 0x83: return "unsupported-version"
        case 0x84: return "bad-token"
        case 0x85: return "token-expired"
        case 0x86: return "not-logged-in"
        case 0x87: return "recipient-offline"
        case 0x88: return "recipient-invalid"
        case 0x89: return "message-too-large"
        case 0x8A: return "rate-limited"
        case 0x8B: return "server-busy"
        case 0x8C: return "too-many-connections"
        case 0x8D: return "duplicate-login"
        case 0x8E: return "idle-timeout"
        case 0x8F: return "login-timeout"
        case 0x90: return "slow-consumer"
        case 0x91: return "server-shutdown"
        default: return nil
        }
    }
}
