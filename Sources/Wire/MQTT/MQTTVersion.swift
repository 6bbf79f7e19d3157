/// The MQTT protocol level a connection speaks, from its CONNECT packet.
///
/// Packets after CONNECT depend on it (MQTT 5 adds properties and reason codes everywhere), so
/// a decoder for the server-to-client direction is told the version its peer's CONNECT named.
public enum MQTTVersion: UInt8, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// MQTT 3.1, protocol name `MQIsdp`. (The underscores keep the specification's numbering.)
    // swift-format-ignore: AlwaysUseLowerCamelCase
    case v3_1 = 3
    /// MQTT 3.1.1, protocol name `MQTT`.
    // swift-format-ignore: AlwaysUseLowerCamelCase
    case v3_1_1 = 4
    /// MQTT 5.0, protocol name `MQTT`.
    case v5 = 5

    /// The protocol name CONNECT carries for this level.
    public var protocolName: String { self == .v3_1 ? "MQIsdp" : "MQTT" }

    public var description: String {
        switch self {
        case .v3_1: return "3.1"
        case .v3_1_1: return "3.1.1"
        case .v5: return "5.0"
        }
    }

    /// The level for a CONNECT's protocol name and level byte, nil when they do not agree.
    public init?(protocolName: String, level: UInt8) {
        switch (protocolName, level) {
        case ("MQIsdp", 3): self = .v3_1
        case ("MQTT", 4): self = .v3_1_1
        case ("MQTT", 5): self = .v5
        default: return nil
        }
    }
}
