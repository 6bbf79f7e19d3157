/// A one-byte MQTT 5.0 reason code, or an MQTT 3.x CONNACK return code / SUBACK return code.
///
/// A struct with static members because the set is open on the wire (a peer can send any byte)
/// and one value can have several names: 0x00 is "Success", "Normal disconnection" or
/// "Granted QoS 0" depending on the packet, so the name always needs the packet type (and, for
/// CONNACK and SUBACK, the version: MQTT 3.x return codes are a different table).
public struct MQTTReasonCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let success = MQTTReasonCode(rawValue: 0x00)
    public static let normalDisconnection = MQTTReasonCode(rawValue: 0x00)
    public static let grantedQoS0 = MQTTReasonCode(rawValue: 0x00)
    public static let grantedQoS1 = MQTTReasonCode(rawValue: 0x01)
    public static let grantedQoS2 = MQTTReasonCode(rawValue: 0x02)
    public static let disconnectWithWillMessage = MQTTReasonCode(rawValue: 0x04)
    public static let noMatchingSubscribers = MQTTReasonCode(rawValue: 0x10)
    public static let noSubscriptionExisted = MQTTReasonCode(rawValue: 0x11)
    public static let continueAuthentication = MQTTReasonCode(rawValue: 0x18)
    public static let reAuthenticate = MQTTReasonCode(rawValue: 0x19)
    public static let unspecifiedError = MQTTReasonCode(rawValue: 0x80)
    public static let malformedPacket = MQTTReasonCode(rawValue: 0x81)
    public static let protocolError = MQTTReasonCode(rawValue: 0x82)
    public static let implementationSpecificError = MQTTReasonCode(rawValue: 0x83)
    public static let unsupportedProtocolVersion = MQTTReasonCode(rawValue: 0x84)
    public static let clientIdentifierNotValid = MQTTReasonCode(rawValue: 0x85)
    public static let badUserNameOrPassword = MQTTReasonCode(rawValue: 0x86)
    public static let notAuthorized = MQTTReasonCode(rawValue: 0x87)
    public static let serverUnavailable = MQTTReasonCode(rawValue: 0x88)
    public static let serverBusy = MQTTReasonCode(rawValue: 0x89)
    public static let banned = MQTTReasonCode(rawValue: 0x8A)
    public static let serverShuttingDown = MQTTReasonCode(rawValue: 0x8B)
    public static let badAuthenticationMethod = MQTTReasonCode(rawValue: 0x8C)
    public static let keepAliveTimeout = MQTTReasonCode(rawValue: 0x8D)
    public static let sessionTakenOver = MQTTReasonCode(rawValue: 0x8E)
    public static let topicFilterInvalid = MQTTReasonCode(rawValue: 0x8F)
    public static let topicNameInvalid = MQTTReasonCode(rawValue: 0x90)
    public static let packetIdentifierInUse = MQTTReasonCode(rawValue: 0x91)
    public static let packetIdentifierNotFound = MQTTReasonCode(rawValue: 0x92)
    public static let receiveMaximumExceeded = MQTTReasonCode(rawValue: 0x93)
    public static let topicAliasInvalid = MQTTReasonCode(rawValue: 0x94)
    public static let packetTooLarge = MQTTReasonCode(rawValue: 0x95)
    public static let messageRateTooHigh = MQTTReasonCode(rawValue: 0x96)
    public static let quotaExceeded = MQTTReasonCode(rawValue: 0x97)
    public static let administrativeAction = MQTTReasonCode(rawValue: 0x98)
    public static let payloadFormatInvalid = MQTTReasonCode(rawValue: 0x99)
    public static let retainNotSupported = MQTTReasonCode(rawValue: 0x9A)
    public static let qosNotSupported = MQTTReasonCode(rawValue: 0x9B)
    public static let useAnotherServer = MQTTReasonCode(rawValue: 0x9C)
    public static let serverMoved = MQTTReasonCode(rawValue: 0x9D)
    public static let sharedSubscriptionsNotSupported = MQTTReasonCode(rawValue: 0x9E)
    public static let connectionRateExceeded = MQTTReasonCode(rawValue: 0x9F)
    public static let maximumConnectTime = MQTTReasonCode(rawValue: 0xA0)
    public static let subscriptionIdentifiersNotSupported = MQTTReasonCode(rawValue: 0xA1)
    public static let wildcardSubscriptionsNotSupported = MQTTReasonCode(rawValue: 0xA2)

    /// MQTT 3.x CONNACK return codes (the byte where MQTT 5.0 has its reason code).
    public static let connectionAccepted = MQTTReasonCode(rawValue: 0)
    public static let refusedUnacceptableProtocolVersion = MQTTReasonCode(rawValue: 1)
    public static let refusedIdentifierRejected = MQTTReasonCode(rawValue: 2)
    public static let refusedServerUnavailable = MQTTReasonCode(rawValue: 3)
    public static let refusedBadUserNameOrPassword = MQTTReasonCode(rawValue: 4)
    public static let refusedNotAuthorized = MQTTReasonCode(rawValue: 5)
    /// MQTT 3.1.1 SUBACK "Failure".
    public static let subscriptionFailure = MQTTReasonCode(rawValue: 0x80)

    /// True for codes 0x80 and above in MQTT 5.0 (and non-zero CONNACK return codes in 3.x).
    public var isFailure: Bool { rawValue >= 0x80 }

    public var description: String { "0x" + hex2(rawValue) }

    /// This code's name in a packet of `type` (see the static `name(_:in:version:)`).
    public func name(in type: MQTTPacketType, version: MQTTVersion = .v5) -> String {
        MQTTReasonCode.name(rawValue, in: type, version: version)
    }

    /// The spec's name of `code` in a packet of `type`: "Success", "Normal disconnection",
    /// "Granted QoS 1", "Not authorized", or for MQTT 3.x CONNACK "Connection Accepted",
    /// "Connection Refused, unacceptable protocol version", ...
    /// A code the spec does not define for that packet is named after its MQTT 5.0 meaning when
    /// it has one, else "Unknown (0xNN)"; `isValid(_:in:version:)` tells the two apart.
    public static func name(_ code: UInt8, in type: MQTTPacketType, version: MQTTVersion = .v5) -> String {
        if version != .v5 {
            if type == .connAck, let name = connAckReturnCodeNames[Int(code)] { return name }
            if type == .subAck, let name = subAckReturnCodeName(code) { return name }
        }
        switch code {
        case 0x00 where type == .disconnect: return "Normal disconnection"
        case 0x00 where type == .subAck: return "Granted QoS 0"
        default: return entry(code)?.name ?? "Unknown (0x\(hex2(code)))"
        }
    }

    /// Whether the spec defines `code` for a packet of `type` in `version`.
    public static func isValid(_ code: UInt8, in type: MQTTPacketType, version: MQTTVersion = .v5) -> Bool {
        if version != .v5 {
            switch type {
            case .connAck: return code <= 5
            case .subAck: return code <= 2 || (code == 0x80 && version == .v3_1_1)
            default: return false
            }
        }
        guard let entry = entry(code) else { return false }
        return entry.types & (1 << UInt16(type.rawValue)) != 0
    }

    private static let connAckReturnCodeNames: [Int: String] = [
        0: "Connection Accepted",
        1: "Connection Refused, unacceptable protocol version",
        2: "Connection Refused, identifier rejected",
        3: "Connection Refused, Server unavailable",
        4: "Connection Refused, bad user name or password",
        5: "Connection Refused, not authorized",
    ]

    private static func subAckReturnCodeName(_ code: UInt8) -> String? {
        switch code {
        case 0, 1, 2: return "Success - Maximum QoS \(code)"
        case 0x80: return "Failure"
        default: return nil
        }
    }

    /// The MQTT 5.0 table: a name and the packet types (bit n = type n) that may carry the code.
    private static func entry(_ code: UInt8) -> (name: String, types: UInt16)? {
        let connAck: UInt16 = 1 << 2
        let pubAck: UInt16 = 1 << 4
        let pubRec: UInt16 = 1 << 5
        let pubRel: UInt16 = 1 << 6
        let pubComp: UInt16 = 1 << 7
        let subAck: UInt16 = 1 << 9
        let unsubAck: UInt16 = 1 << 11
        let disconnect: UInt16 = 1 << 14
        let auth: UInt16 = 1 << 15
        let acks = connAck | pubAck | pubRec | subAck | unsubAck | disconnect
        switch code {
        case 0x00:
            return ("Success", connAck | pubAck | pubRec | pubRel | pubComp | subAck | unsubAck | disconnect | auth)
        case 0x01: return ("Granted QoS 1", subAck)
        case 0x02: return ("Granted QoS 2", subAck)
        case 0x04: return ("Disconnect with Will Message", disconnect)
        case 0x10: return ("No matching subscribers", pubAck | pubRec)
        case 0x11: return ("No subscription existed", unsubAck)
        case 0x18: return ("Continue authentication", auth)
        case 0x19: return ("Re-authenticate", auth)
        case 0x80: return ("Unspecified error", acks)
        case 0x81: return ("Malformed Packet", connAck | disconnect)
        case 0x82: return ("Protocol Error", connAck | disconnect)
        case 0x83: return ("Implementation specific error", acks)
        case 0x84: return ("Unsupported Protocol Version", connAck)
        case 0x85: return ("Client Identifier not valid", connAck)
        case 0x86: return ("Bad User Name or Password", connAck)
        case 0x87: return ("Not authorized", acks)
        case 0x88: return ("Server unavailable", connAck)
        case 0x89: return ("Server busy", connAck | disconnect)
        case 0x8A: return ("Banned", connAck)
        case 0x8B: return ("Server shutting down", disconnect)
        case 0x8C: return ("Bad authentication method", connAck | disconnect)
        case 0x8D: return ("Keep Alive timeout", disconnect)
        case 0x8E: return ("Session taken over", disconnect)
        case 0x8F: return ("Topic Filter invalid", subAck | unsubAck | disconnect)
        case 0x90: return ("Topic Name invalid", connAck | pubAck | pubRec | disconnect)
        case 0x91: return ("Packet Identifier in use", pubAck | pubRec | subAck | unsubAck)
        case 0x92: return ("Packet Identifier not found", pubRel | pubComp)
        case 0x93: return ("Receive Maximum exceeded", disconnect)
        case 0x94: return ("Topic Alias invalid", disconnect)
        case 0x95: return ("Packet too large", connAck | disconnect)
        case 0x96: return ("Message rate too high", disconnect)
        case 0x97: return ("Quota exceeded", connAck | pubAck | pubRec | subAck | disconnect)
        case 0x98: return ("Administrative action", disconnect)
        case 0x99: return ("Payload format invalid", connAck | pubAck | pubRec | disconnect)
        case 0x9A: return ("Retain not supported", connAck | disconnect)
        case 0x9B: return ("QoS not supported", connAck | disconnect)
        case 0x9C: return ("Use another server", connAck | disconnect)
        case 0x9D: return ("Server moved", connAck | disconnect)
        case 0x9E: return ("Shared Subscriptions not supported", subAck | disconnect)
        case 0x9F: return ("Connection rate exceeded", connAck | disconnect)
        case 0xA0: return ("Maximum connect time", disconnect)
        case 0xA1: return ("Subscription Identifiers not supported", subAck | disconnect)
        case 0xA2: return ("Wildcard Subscriptions not supported", subAck | disconnect)
        default: return nil
        }
    }
}

/// Two upper-case hex digits, without Foundation's String(format:).
func hex2(_ byte: UInt8) -> String {
    let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F"]
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
}
