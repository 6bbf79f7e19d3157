import Wire

/// What a client's first bytes say its protocol is, where no port hint does: on a bare TCP
/// stream, and inside WebSocket frames when no subprotocol named it.
enum ContentDetection {
    enum Verdict: Equatable {
        case mqtt
        case cmp
        /// Too few bytes to tell a CONNECT from a LOGIN (both start with 0x10).
        case needMore
        case neither
    }

    /// Enough bytes to tell: the shortest MQTT CONNECT is 14 bytes and holds all that
    /// `looksLikeConnect` reads; a CMP LOGIN is longer, and `looksLikeLogin` needs at most 10.
    static let enoughBytes = 14

    static func classify(_ prefix: [UInt8]) -> Verdict {
        if MQTTFraming.looksLikeConnect(prefix) != nil { return .mqtt }
        if CMPFraming.looksLikeLogin(prefix) == true { return .cmp }
        if prefix.first == 0x10 && prefix.count < enoughBytes { return .needMore }
        return .neither
    }
}
