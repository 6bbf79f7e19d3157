/// An MQTT 5.0 property identifier (spec section 2.2.2.2).
///
/// A struct with static members because any byte can arrive on the wire; only the 27 ids the
/// spec defines have a value type, and an unknown id makes its packet malformed (the length of
/// its value cannot be known, so nothing after it can be read).
public struct MQTTPropertyID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let payloadFormatIndicator = MQTTPropertyID(rawValue: 0x01)
    public static let messageExpiryInterval = MQTTPropertyID(rawValue: 0x02)
    public static let contentType = MQTTPropertyID(rawValue: 0x03)
    public static let responseTopic = MQTTPropertyID(rawValue: 0x08)
    public static let correlationData = MQTTPropertyID(rawValue: 0x09)
    public static let subscriptionIdentifier = MQTTPropertyID(rawValue: 0x0B)
    public static let sessionExpiryInterval = MQTTPropertyID(rawValue: 0x11)
    public static let assignedClientIdentifier = MQTTPropertyID(rawValue: 0x12)
    public static let serverKeepAlive = MQTTPropertyID(rawValue: 0x13)
    public static let authenticationMethod = MQTTPropertyID(rawValue: 0x15)
    public static let authenticationData = MQTTPropertyID(rawValue: 0x16)
    public static let requestProblemInformation = MQTTPropertyID(rawValue: 0x17)
    public static let willDelayInterval = MQTTPropertyID(rawValue: 0x18)
    public static let requestResponseInformation = MQTTPropertyID(rawValue: 0x19)
    public static let responseInformation = MQTTPropertyID(rawValue: 0x1A)
    public static let serverReference = MQTTPropertyID(rawValue: 0x1C)
    public static let reasonString = MQTTPropertyID(rawValue: 0x1F)
    public static let receiveMaximum = MQTTPropertyID(rawValue: 0x21)
    public static let topicAliasMaximum = MQTTPropertyID(rawValue: 0x22)
    public static let topicAlias = MQTTPropertyID(rawValue: 0x23)
    public static let maximumQoS = MQTTPropertyID(rawValue: 0x24)
    public static let retainAvailable = MQTTPropertyID(rawValue: 0x25)
    public static let userProperty = MQTTPropertyID(rawValue: 0x26)
    public static let maximumPacketSize = MQTTPropertyID(rawValue: 0x27)
    public static let wildcardSubscriptionAvailable = MQTTPropertyID(rawValue: 0x28)
    public static let subscriptionIdentifierAvailable = MQTTPropertyID(rawValue: 0x29)
    public static let sharedSubscriptionAvailable = MQTTPropertyID(rawValue: 0x2A)

    /// The 27 properties MQTT 5.0 defines, in id order.
    public static let allKnown: [MQTTPropertyID] = (UInt8(0)...0x2A).compactMap {
        let id = MQTTPropertyID(rawValue: $0)
        return id.isKnown ? id : nil
    }

    /// Whether the spec defines this id.
    public var isKnown: Bool { MQTTPropertyID.table(rawValue) != nil }

    /// The spec's name, "Payload Format Indicator"; "Unknown property 0xNN" for other ids.
    public var name: String { MQTTPropertyID.table(rawValue).map { $0.name.description } ?? "Unknown property 0x\(hex2(rawValue))" }

    /// The camelCase key for JSON output, `payloadFormatIndicator`; `property0xNN` for other ids.
    public var key: String { jsonKey?.description ?? "property0x\(hex2(rawValue))" }

    /// The key of a known id as a literal, which a JSON writer copies without making a String.
    public var jsonKey: StaticString? { MQTTPropertyID.table(rawValue)?.key }

    /// The type of the value that follows the id, nil for ids the spec does not define.
    public var valueKind: MQTTPropertyValue.Kind? { MQTTPropertyID.table(rawValue)?.kind }

    /// The packets (and will properties) the spec allows this property in.
    public var allowedScope: MQTTPropertyScope { MQTTPropertyID.table(rawValue)?.scope ?? [] }

    /// Whether the property may appear more than once in a packet of `scope`: User Property
    /// anywhere, Subscription Identifier in PUBLISH (one per matching subscription).
    public func mayRepeat(in scope: MQTTPropertyScope) -> Bool {
        self == .userProperty || (self == .subscriptionIdentifier && scope == .publish)
    }

    public var description: String { name }

    /// Literals, not Strings: the table is consulted for every property decoded (its kind, its
    /// scope) and written, and a tuple of Strings was retained and released each time.
    private typealias Info = (name: StaticString, key: StaticString, kind: MQTTPropertyValue.Kind, scope: MQTTPropertyScope)

    /// One switch holds the whole spec table so the names, kinds and scopes cannot drift apart.
    private static func table(_ id: UInt8) -> Info? {
        let publishAndWill: MQTTPropertyScope = [.publish, .will]
        let reasonStringScope: MQTTPropertyScope = [
            .connAck, .pubAck, .pubRec, .pubRel, .pubComp, .subAck, .unsubAck, .disconnect, .auth,
        ]
        let everywhere: MQTTPropertyScope = [
            .connect, .connAck, .publish, .will, .pubAck, .pubRec, .pubRel, .pubComp,
            .subscribe, .subAck, .unsubscribe, .unsubAck, .disconnect, .auth,
        ]
        switch id {
        case 0x01: return ("Payload Format Indicator", "payloadFormatIndicator", .byte, publishAndWill)
        case 0x02: return ("Message Expiry Interval", "messageExpiryInterval", .fourByteInteger, publishAndWill)
        case 0x03: return ("Content Type", "contentType", .utf8String, publishAndWill)
        case 0x08: return ("Response Topic", "responseTopic", .utf8String, publishAndWill)
        case 0x09: return ("Correlation Data", "correlationData", .binaryData, publishAndWill)
        case 0x0B:
            return ("Subscription Identifier", "subscriptionIdentifier", .variableByteInteger, [.publish, .subscribe])
        case 0x11:
            return ("Session Expiry Interval", "sessionExpiryInterval", .fourByteInteger, [.connect, .connAck, .disconnect])
        case 0x12: return ("Assigned Client Identifier", "assignedClientIdentifier", .utf8String, .connAck)
        case 0x13: return ("Server Keep Alive", "serverKeepAlive", .twoByteInteger, .connAck)
        case 0x15: return ("Authentication Method", "authenticationMethod", .utf8String, [.connect, .connAck, .auth])
        case 0x16: return ("Authentication Data", "authenticationData", .binaryData, [.connect, .connAck, .auth])
        case 0x17: return ("Request Problem Information", "requestProblemInformation", .byte, .connect)
        case 0x18: return ("Will Delay Interval", "willDelayInterval", .fourByteInteger, .will)
        case 0x19: return ("Request Response Information", "requestResponseInformation", .byte, .connect)
        case 0x1A: return ("Response Information", "responseInformation", .utf8String, .connAck)
        case 0x1C: return ("Server Reference", "serverReference", .utf8String, [.connAck, .disconnect])
        case 0x1F: return ("Reason String", "reasonString", .utf8String, reasonStringScope)
        case 0x21: return ("Receive Maximum", "receiveMaximum", .twoByteInteger, [.connect, .connAck])
        case 0x22: return ("Topic Alias Maximum", "topicAliasMaximum", .twoByteInteger, [.connect, .connAck])
        case 0x23: return ("Topic Alias", "topicAlias", .twoByteInteger, .publish)
        case 0x24: return ("Maximum QoS", "maximumQoS", .byte, .connAck)
        case 0x25: return ("Retain Available", "retainAvailable", .byte, .connAck)
        case 0x26: return ("User Property", "userProperty", .utf8StringPair, everywhere)
        case 0x27: return ("Maximum Packet Size", "maximumPacketSize", .fourByteInteger, [.connect, .connAck])
        case 0x28:
            return ("Wildcard Subscription Available", "wildcardSubscriptionAvailable", .byte, .connAck)
        case 0x29:
            return ("Subscription Identifier Available", "subscriptionIdentifierAvailable", .byte, .connAck)
        case 0x2A:
            return ("Shared Subscription Available", "sharedSubscriptionAvailable", .byte, .connAck)
        default: return nil
        }
    }
}
