/// An MQTT quality-of-service level.
///
/// A struct rather than an enum because a diagnostic decoder must be able to hold the reserved
/// value 3 where the spec calls it a protocol violation (a will QoS, a subscription's QoS) and
/// show it; `isValid` tells whether the value is one of the three the spec defines.
/// (QoS 3 in a PUBLISH fixed header is different: it makes the header invalid and is fatal.)
public struct MQTTQoS: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// QoS 0: fire and forget.
    public static let atMostOnce = MQTTQoS(rawValue: 0)
    /// QoS 1: acknowledged with PUBACK.
    public static let atLeastOnce = MQTTQoS(rawValue: 1)
    /// QoS 2: the PUBREC / PUBREL / PUBCOMP handshake.
    public static let exactlyOnce = MQTTQoS(rawValue: 2)

    /// True for 0, 1 and 2.
    public var isValid: Bool { rawValue <= 2 }

    public static func < (lhs: MQTTQoS, rhs: MQTTQoS) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "QoS \(rawValue)" }
}
