/// The extension block every CMP message with a body carries (all but PING and PONG).
///
/// On the wire: a varint byte count, then entries of varint id, varint value length, value.
/// The ids version 1 knows are typed fields; anything else is kept in `unknown`, in wire order,
/// so that a decoder can show it and a later version's fields survive a version-1 reader. An
/// empty block (the byte 0x00, nearly every message) decodes to `empty` without allocating:
/// the optionals are nil and `unknown` is the empty array, which has no storage.
public struct CMPExtensions: Sendable, Equatable {
    /// Extension 1, `reason-string`: a sentence for humans (LOGIN_ACK, SEND_ACK, KICK).
    public var reasonString: String?
    /// Extension 2, `reconnect-delay`: milliseconds to wait before reconnecting (KICK
    /// `server-shutdown`). Four bytes on the wire.
    public var reconnectDelay: UInt32?
    /// Extension 3, `client-time`: the sender's clock in microseconds since the Unix epoch
    /// when it sent (SEND, copied to DELIVER). Eight bytes on the wire.
    public var clientTime: UInt64?
    /// Extension 4, `content-type`: what the payload is, e.g. "text/plain" (SEND, DELIVER).
    public var contentType: String?
    /// Entries with ids version 1 does not define, in the order they came.
    public var unknown: [CMPUnknownExtension]

    public init(
        reasonString: String? = nil, reconnectDelay: UInt32? = nil, clientTime: UInt64? = nil,
        contentType: String? = nil, unknown: [CMPUnknownExtension] = []
    ) {
        self.reasonString = reasonString
        self.reconnectDelay = reconnectDelay
        self.clientTime = clientTime
        self.contentType = contentType
        self.unknown = unknown
    }

    /// No extension: the block is the single byte 0x00.
    public static let empty = CMPExtensions()

    /// Whether no extension is set.
    public var isEmpty: Bool {
        reasonString == nil && reconnectDelay == nil && clientTime == nil && contentType == nil && unknown.isEmpty
    }

    /// The spec's name of an extension id: "reason-string", "reconnect-delay", "client-time",
    /// "content-type", and "unknown-N" for the others (as `cmtune decode` lists them).
    public static func name(ofID id: UInt32) -> String {
        switch id {
        case CMPExtensionID.reasonString: return "reason-string"
        case CMPExtensionID.reconnectDelay: return "reconnect-delay"
        case CMPExtensionID.clientTime: return "client-time"
        case CMPExtensionID.contentType: return "content-type"
        default: return "unknown-\(id)"
        }
    }
}

/// An extension entry whose id this version does not define: kept as it came, value and all.
///
/// The encoder writes these too, in id order among the known ones, and writes them as given
/// even when the id is a known one: the one way to put on the wire what the typed fields cannot
/// express (a wrong-length or repeated entry), which is what tests of a receiver need.
public struct CMPUnknownExtension: Sendable, Equatable {
    public var id: UInt32
    public var value: [UInt8]

    public init(id: UInt32, value: [UInt8]) {
        self.id = id
        self.value = value
    }

    /// "unknown-N", as the spec has the decoder list it.
    public var name: String { CMPExtensions.name(ofID: id) }
}

/// The extension ids of version 1. Id 5 (`protocol-version`) is reserved for version
/// negotiation and is, to a version-1 reader, unknown.
enum CMPExtensionID {
    static let reasonString: UInt32 = 1
    static let reconnectDelay: UInt32 = 2
    static let clientTime: UInt32 = 3
    static let contentType: UInt32 = 4
}
