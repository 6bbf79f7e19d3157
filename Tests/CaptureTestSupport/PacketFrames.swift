import Capture

/// Hand-built frames for the link-layer, IP and TCP tests: every header written byte by byte,
/// as the RFCs lay them out, so the parser is checked against the wire format rather than
/// against itself.
public enum Frames {
    public static let macA: [UInt8] = [0x02, 0, 0, 0, 0, 0x0a]
    public static let macB: [UInt8] = [0x02, 0, 0, 0, 0, 0x0b]

    public static func be16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xff), UInt8(value & 0xff)] }
    public static func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }
    public static func le32(_ value: UInt32) -> [UInt8] { be32(value).reversed() }

    // MARK: Link layers

    /// Ethernet II; `tags` are (TPID, VLAN ID) pairs, outermost first.
    public static func ethernet(_ etherType: Int, tags: [(Int, Int)] = [], _ payload: [UInt8]) -> [UInt8] {
        var frame = macB + macA
        for (tpid, id) in tags { frame += be16(tpid) + be16(id) }
        return frame + be16(etherType) + payload
    }

    /// Linux cooked capture v1: packet type, ARPHRD, address length, 8 address bytes, protocol.
    public static func sll(_ protocolType: Int, _ payload: [UInt8]) -> [UInt8] {
        be16(0) + be16(1) + be16(6) + macA + [0, 0] + be16(protocolType) + payload
    }

    /// Linux cooked capture v2: protocol, reserved, ifindex, ARPHRD, packet type, address
    /// length, 8 address bytes.
    public static func sll2(_ protocolType: Int, _ payload: [UInt8]) -> [UInt8] {
        be16(protocolType) + [0, 0] + be32(3) + be16(1) + [4, 6] + macA + [0, 0] + payload
    }

    // MARK: IP

    public static func ipv4(
        source: [UInt8] = [10, 0, 0, 1], destination: [UInt8] = [10, 0, 0, 2], protocolNumber: UInt8 = 6,
        identification: Int = 0x1234, moreFragments: Bool = false, fragmentOffset: Int = 0, options: [UInt8] = [],
        totalLength: Int? = nil, _ payload: [UInt8]
    ) -> [UInt8] {
        precondition(options.count % 4 == 0)
        let headerLength = 20 + options.count
        let flags = (moreFragments ? 0x2000 : 0) | (fragmentOffset / 8)
        var header: [UInt8] = [UInt8(0x40 | headerLength / 4), 0]
        header += be16(totalLength ?? headerLength + payload.count) + be16(identification) + be16(flags)
        header += [64, protocolNumber, 0, 0] + source + destination + options
        return header + payload
    }

    public static func ipv6(
        source: IPAddress = IPAddress("2001:db8::1")!, destination: IPAddress = IPAddress("2001:db8::2")!,
        nextHeader: UInt8, payloadLength: Int? = nil, _ payload: [UInt8]
    ) -> [UInt8] {
        [0x60, 0, 0, 0] + be16(payloadLength ?? payload.count) + [nextHeader, 64] + source.bytes + destination.bytes + payload
    }

    /// A hop-by-hop, routing, destination-options or mobility header padded to `units` x 8 bytes.
    public static func extensionHeader(next: UInt8, units: Int = 1) -> [UInt8] {
        [next, UInt8(units - 1)] + [UInt8](repeating: 0, count: units * 8 - 2)
    }

    /// AH: length in 4-byte units minus 2.
    public static func authenticationHeader(next: UInt8, words: Int = 6) -> [UInt8] {
        [next, UInt8(words - 2)] + [UInt8](repeating: 0xaa, count: words * 4 - 2)
    }

    public static func fragmentHeader(next: UInt8, offset: Int, more: Bool, identification: UInt32) -> [UInt8] {
        [next, 0] + be16(offset | (more ? 1 : 0)) + be32(identification)
    }

    // MARK: Transport

    public static func tcp(
        sourcePort: Int = 50000, destinationPort: Int = 1883, seq: UInt32 = 1000, ack: UInt32 = 0,
        flags: TCPFlags = [.ack, .psh], window: Int = 65535, options: [UInt8] = [], _ payload: [UInt8] = []
    ) -> [UInt8] {
        precondition(options.count % 4 == 0)
        let dataOffset = (20 + options.count) / 4
        return be16(sourcePort) + be16(destinationPort) + be32(seq) + be32(ack)
            + [UInt8(dataOffset << 4), flags.rawValue] + be16(window) + [0, 0, 0, 0] + options + payload
    }

    public static func udp(sourcePort: Int = 5353, destinationPort: Int = 5353, _ payload: [UInt8]) -> [UInt8] {
        be16(sourcePort) + be16(destinationPort) + be16(8 + payload.count) + [0, 0] + payload
    }

    /// A complete Ethernet/IPv4/TCP frame.
    public static func ethernetTCP(seq: UInt32 = 1000, flags: TCPFlags = [.ack, .psh], _ payload: [UInt8]) -> [UInt8] {
        ethernet(0x0800, ipv4(tcp(seq: seq, flags: flags, payload)))
    }

    public static let time = CaptureTimestamp(seconds: 1_700_000_000, nanoseconds: 123_456_789)
}

/// A small deterministic generator (SplitMix64) so shuffles are the same on every run.
public struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

extension PacketParser {
    /// Parses `bytes` and returns the TCP segment, or nil.
    public mutating func segment(_ bytes: [UInt8], linkType: Int32 = LinkType.ethernet, at time: CaptureTimestamp = Frames.time)
        -> TCPSegment?
    {
        if case .tcp(let segment) = parse(bytes, linkType: linkType, timestamp: time) { return segment }
        return nil
    }
}
