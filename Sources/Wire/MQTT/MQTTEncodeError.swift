/// Why a packet could not be encoded: a value that does not fit its field, or a feature the
/// requested version does not have (the encoder never drops data silently).
public struct MQTTEncodeError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// A string or binary field over 65,535 bytes, or a variable byte integer (the
        /// remaining length, a property length) over 268,435,455.
        case fieldTooLong(field: String, length: Int, maximum: Int)
        /// Properties, reason codes or AUTH in an MQTT 3.x packet.
        case notInVersion(String, MQTTVersion)
        /// A property id the spec does not define.
        case unknownProperty(MQTTPropertyID)
        /// A property whose value has another type than the spec gives its id.
        case propertyTypeMismatch(MQTTPropertyID, MQTTPropertyValue.Kind)
        /// A QoS 1 or 2 PUBLISH without a packet identifier.
        case missingPacketIdentifier(MQTTPacketType)
        /// A QoS that does not fit its bits (or QoS 3 in a PUBLISH).
        case invalidQoS(UInt8)
    }

    public var kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public var description: String {
        switch kind {
        case .fieldTooLong(let field, let length, let maximum):
            return "MQTT encode: the \(field) is \(length) bytes, over the maximum of \(maximum)"
        case .notInVersion(let what, let version):
            return "MQTT encode: \(what) cannot be sent in MQTT \(version)"
        case .unknownProperty(let id):
            return "MQTT encode: property id 0x\(hex2(id.rawValue)) is not defined by MQTT 5.0"
        case .propertyTypeMismatch(let id, let kind):
            let expected = id.valueKind.map { "\($0)" } ?? "?"
            return "MQTT encode: \(id.name) needs a \(expected) value, not a \(kind)"
        case .missingPacketIdentifier(let type):
            return "MQTT encode: a QoS 1 or 2 \(type.name) needs a packet identifier"
        case .invalidQoS(let qos):
            return "MQTT encode: QoS \(qos) cannot be encoded"
        }
    }
}
