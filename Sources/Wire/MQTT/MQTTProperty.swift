/// One MQTT 5.0 property: an id and its typed value.
public struct MQTTProperty: Hashable, Sendable, CustomStringConvertible {
    public var id: MQTTPropertyID
    public var value: MQTTPropertyValue

    public init(_ id: MQTTPropertyID, _ value: MQTTPropertyValue) {
        self.id = id
        self.value = value
    }

    /// A User Property, the one property every packet may carry any number of times.
    public static func userProperty(_ name: MQTTString, _ value: MQTTString) -> MQTTProperty {
        MQTTProperty(.userProperty, .utf8StringPair(name, value))
    }

    public var description: String { "\(id.name)=\(value)" }
}

/// The value of an MQTT 5.0 property, in one of the seven data types the spec uses.
public enum MQTTPropertyValue: Hashable, Sendable, CustomStringConvertible {
    case byte(UInt8)
    case twoByteInteger(UInt16)
    case fourByteInteger(UInt32)
    /// At most 268,435,455 (four bytes of seven bits).
    case variableByteInteger(UInt32)
    case utf8String(MQTTString)
    case binaryData([UInt8])
    case utf8StringPair(MQTTString, MQTTString)

    /// The data type alone, as the property table names it.
    public enum Kind: Hashable, Sendable, CustomStringConvertible {
        case byte, twoByteInteger, fourByteInteger, variableByteInteger, utf8String, binaryData, utf8StringPair

        public var description: String {
            switch self {
            case .byte: return "Byte"
            case .twoByteInteger: return "Two Byte Integer"
            case .fourByteInteger: return "Four Byte Integer"
            case .variableByteInteger: return "Variable Byte Integer"
            case .utf8String: return "UTF-8 Encoded String"
            case .binaryData: return "Binary Data"
            case .utf8StringPair: return "UTF-8 String Pair"
            }
        }
    }

    public var kind: Kind {
        switch self {
        case .byte: return .byte
        case .twoByteInteger: return .twoByteInteger
        case .fourByteInteger: return .fourByteInteger
        case .variableByteInteger: return .variableByteInteger
        case .utf8String: return .utf8String
        case .binaryData: return .binaryData
        case .utf8StringPair: return .utf8StringPair
        }
    }

    /// The value of any of the four integer types.
    public var integer: UInt32? {
        switch self {
        case .byte(let v): return UInt32(v)
        case .twoByteInteger(let v): return UInt32(v)
        case .fourByteInteger(let v), .variableByteInteger(let v): return v
        default: return nil
        }
    }

    /// The value of a UTF-8 string property.
    public var string: MQTTString? {
        if case .utf8String(let s) = self { return s }
        return nil
    }

    /// The value of a binary data property.
    public var binary: [UInt8]? {
        if case .binaryData(let b) = self { return b }
        return nil
    }

    public var description: String {
        switch self {
        case .byte(let v): return String(v)
        case .twoByteInteger(let v): return String(v)
        case .fourByteInteger(let v), .variableByteInteger(let v): return String(v)
        case .utf8String(let s): return "\"\(s.text)\""
        case .binaryData(let b): return "\(b.count) bytes"
        case .utf8StringPair(let k, let v): return "\"\(k.text)\":\"\(v.text)\""
        }
    }
}
