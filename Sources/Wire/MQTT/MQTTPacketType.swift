/// The control packet type in the high four bits of an MQTT fixed header.
///
/// Type 0 is reserved in every version and never decodes; AUTH (15) exists only in MQTT 5.0, but
/// it is kept here for every version so that a stream whose version was guessed wrongly still
/// decodes (the packet then carries a problem instead of stopping the stream).
public enum MQTTPacketType: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case connect = 1
    case connAck = 2
    case publish = 3
    case pubAck = 4
    case pubRec = 5
    case pubRel = 6
    case pubComp = 7
    case subscribe = 8
    case subAck = 9
    case unsubscribe = 10
    case unsubAck = 11
    case pingRequest = 12
    case pingResponse = 13
    case disconnect = 14
    case auth = 15

    /// The spec's upper-case name, as tools (Wireshark, Zeek) print it: "CONNECT", "PUBACK", ...
    /// (static: a JSON line copies it without a String).
    public var staticName: StaticString {
        switch self {
        case .connect: return "CONNECT"
        case .connAck: return "CONNACK"
        case .publish: return "PUBLISH"
        case .pubAck: return "PUBACK"
        case .pubRec: return "PUBREC"
        case .pubRel: return "PUBREL"
        case .pubComp: return "PUBCOMP"
        case .subscribe: return "SUBSCRIBE"
        case .subAck: return "SUBACK"
        case .unsubscribe: return "UNSUBSCRIBE"
        case .unsubAck: return "UNSUBACK"
        case .pingRequest: return "PINGREQ"
        case .pingResponse: return "PINGRESP"
        case .disconnect: return "DISCONNECT"
        case .auth: return "AUTH"
        }
    }

    public var name: String { staticName.description }

    public var description: String { name }

    /// The only fixed-header flags the spec allows for this type, or nil for PUBLISH, whose flags
    /// carry DUP, QoS and RETAIN. PUBREL, SUBSCRIBE and UNSUBSCRIBE need 0b0010 (a leftover of
    /// MQTT 3.1's QoS 1 for them); every other type needs 0.
    public var requiredFlags: UInt8? {
        switch self {
        case .publish: return nil
        case .pubRel, .subscribe, .unsubscribe: return 0b0010
        default: return 0
        }
    }

    /// Whether `flags` (the low four bits of the first byte) are valid for this type.
    /// PUBLISH accepts any flags except QoS 3.
    public func allowsFlags(_ flags: UInt8) -> Bool {
        if let required = requiredFlags { return flags == required }
        return (flags >> 1) & 0b11 != 0b11
    }
}
