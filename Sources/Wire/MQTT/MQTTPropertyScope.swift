/// Where an MQTT 5.0 property may appear: a set of packet types plus the will properties
/// inside CONNECT (which have their own table in the spec, section 3.1.3.2).
public struct MQTTPropertyScope: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The scope of one packet type (bit n for type n; bit 0 is free because type 0 is reserved).
    public init(_ type: MQTTPacketType) { self.rawValue = 1 << UInt16(type.rawValue) }

    /// The will properties of a CONNECT.
    public static let will = MQTTPropertyScope(rawValue: 1)
    public static let connect = MQTTPropertyScope(.connect)
    public static let connAck = MQTTPropertyScope(.connAck)
    public static let publish = MQTTPropertyScope(.publish)
    public static let pubAck = MQTTPropertyScope(.pubAck)
    public static let pubRec = MQTTPropertyScope(.pubRec)
    public static let pubRel = MQTTPropertyScope(.pubRel)
    public static let pubComp = MQTTPropertyScope(.pubComp)
    public static let subscribe = MQTTPropertyScope(.subscribe)
    public static let subAck = MQTTPropertyScope(.subAck)
    public static let unsubscribe = MQTTPropertyScope(.unsubscribe)
    public static let unsubAck = MQTTPropertyScope(.unsubAck)
    public static let disconnect = MQTTPropertyScope(.disconnect)
    public static let auth = MQTTPropertyScope(.auth)

    /// "CONNECT", "will properties", or several names joined with ", ".
    public var description: String {
        var names: [String] = []
        if contains(.will) { names.append("will properties") }
        for type in MQTTPacketType.allCases where contains(MQTTPropertyScope(type)) { names.append(type.name) }
        return names.joined(separator: ", ")
    }
}
