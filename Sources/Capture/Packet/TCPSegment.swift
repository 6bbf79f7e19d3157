/// TCP header flags.
public struct TCPFlags: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
    public static let urg = TCPFlags(rawValue: 0x20)
    public static let ece = TCPFlags(rawValue: 0x40)
    public static let cwr = TCPFlags(rawValue: 0x80)

    /// tcpdump's letters: `S`, `S.`, `P.`, `F.`, `R`.
    public var description: String {
        var text = ""
        if contains(.syn) { text += "S" }
        if contains(.fin) { text += "F" }
        if contains(.psh) { text += "P" }
        if contains(.rst) { text += "R" }
        if contains(.urg) { text += "U" }
        if contains(.ece) { text += "E" }
        if contains(.cwr) { text += "W" }
        if contains(.ack) { text += "." }
        return text.isEmpty ? "none" : text
    }
}

/// One TCP segment, with its payload as a slice of the captured packet (or of the reassembled
/// IP datagram): no copy is made.
public struct TCPSegment: Sendable, Hashable {
    public var src: Endpoint
    public var dst: Endpoint
    public var seq: UInt32
    public var ack: UInt32
    public var flags: TCPFlags
    /// The advertised window, unscaled.
    public var window: UInt16
    /// The payload bytes that were captured.
    public var payload: ArraySlice<UInt8>
    /// The payload length the IP header announces; larger than `payload.count` when `truncated`.
    public var payloadLength: Int
    public var timestamp: CaptureTimestamp
    /// The snapshot length cut the packet: fewer bytes were captured than the IP length says.
    public var truncated: Bool

    public init(
        src: Endpoint, dst: Endpoint, seq: UInt32, ack: UInt32, flags: TCPFlags, window: UInt16,
        payload: ArraySlice<UInt8>, payloadLength: Int? = nil, timestamp: CaptureTimestamp, truncated: Bool = false
    ) {
        self.src = src
        self.dst = dst
        self.seq = seq
        self.ack = ack
        self.flags = flags
        self.window = window
        self.payload = payload
        self.payloadLength = max(payloadLength ?? payload.count, payload.count)
        self.timestamp = timestamp
        self.truncated = truncated || self.payloadLength > payload.count
    }
}
