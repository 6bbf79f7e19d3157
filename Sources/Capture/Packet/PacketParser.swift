/// What one captured packet turned out to be.
public enum PacketDisposition: Sendable {
    /// A TCP segment (possibly from a just-completed fragmented datagram).
    case tcp(TCPSegment)
    /// An IP fragment kept until its datagram is complete.
    case fragmentHeld
    /// Not TCP over IP (see the issue for what).
    case skipped(PacketIssue)
    /// A header is broken or cut short.
    case malformed(PacketIssue)
}

/// Counters of what the parser saw.
public struct PacketStatistics: Sendable, Hashable {
    public var packets = 0
    public var tcpSegments = 0
    /// Segments whose payload the snapshot length cut.
    public var truncatedSegments = 0
    public var ipv4Packets = 0
    public var ipv6Packets = 0
    /// Packets per issue, indexed by `PacketIssue.rawValue`.
    private var issueCounts = [Int](repeating: 0, count: PacketIssue.allCases.count)
    public var fragments = FragmentStatistics()

    public init() {}

    public subscript(issue: PacketIssue) -> Int {
        get { issueCounts[issue.rawValue] }
        set { issueCounts[issue.rawValue] = newValue }
    }

    /// Packets skipped as not TCP, by reason (only reasons that occurred).
    public var skipped: [PacketIssue: Int] {
        Dictionary(uniqueKeysWithValues: PacketIssue.allCases.filter { !$0.isMalformed && self[$0] > 0 }.map { ($0, self[$0]) })
    }

    /// Malformed packets by reason (only reasons that occurred).
    public var malformed: [PacketIssue: Int] {
        Dictionary(uniqueKeysWithValues: PacketIssue.allCases.filter { $0.isMalformed && self[$0] > 0 }.map { ($0, self[$0]) })
    }

    public var skippedTotal: Int { PacketIssue.allCases.filter { !$0.isMalformed }.reduce(0) { $0 + self[$1] } }
    public var malformedTotal: Int { PacketIssue.allCases.filter { $0.isMalformed }.reduce(0) { $0 + self[$1] } }
}

/// Turns captured packets into TCP segments: link layer, VLAN tags, IPv4 (options skipped,
/// fragments reassembled), IPv6 (extension headers walked, fragments reassembled), TCP.
///
/// Never traps on any input: every impossible or cut header is counted by reason. The segment's
/// payload is a slice of the packet's own bytes, so a segment costs no allocation.
public struct PacketParser {
    /// More IPv6 extension headers than this is treated as malformed.
    public static let maximumExtensionHeaders = 16

    public private(set) var statistics = PacketStatistics()
    private var reassembler: FragmentReassembler

    public init(fragmentLimits: FragmentLimits = FragmentLimits()) {
        reassembler = FragmentReassembler(limits: fragmentLimits)
    }

    public var fragmentLimits: FragmentLimits { reassembler.limits }

    /// Incomplete datagrams held now.
    public var pendingDatagrams: Int { reassembler.pendingDatagrams }

    public mutating func parse(_ packet: CapturedPacket) -> PacketDisposition {
        parse(packet.data, linkType: packet.linkType, timestamp: packet.timestamp)
    }

    public mutating func parse(_ bytes: [UInt8], linkType: Int32, timestamp: CaptureTimestamp) -> PacketDisposition {
        statistics.packets += 1
        let disposition: PacketDisposition
        switch LinkLayer.parse(bytes, linkType: linkType) {
        case .failure(let issue):
            disposition = issue.isMalformed ? .malformed(issue) : .skipped(issue)
        case .success(let frame):
            switch frame.network {
            case .ipv4:
                statistics.ipv4Packets += 1
                disposition = parseIPv4(bytes, at: frame.networkOffset, timestamp: timestamp)
            case .ipv6:
                statistics.ipv6Packets += 1
                disposition = parseIPv6(bytes, at: frame.networkOffset, timestamp: timestamp)
            case .other:
                disposition = .skipped(.notIP)
            }
        }
        switch disposition {
        case .tcp(let segment):
            statistics.tcpSegments += 1
            if segment.truncated { statistics.truncatedSegments += 1 }
        case .skipped(let issue), .malformed(let issue):
            statistics[issue] += 1
        case .fragmentHeld:
            break
        }
        statistics.fragments = reassembler.statistics
        return disposition
    }

    /// Drops incomplete datagrams whose time ran out by `now`; parsing does this as capture
    /// time advances, a live capture with no traffic can call it on a timer.
    public mutating func expireFragments(now: CaptureTimestamp) {
        reassembler.expire(now: now)
        statistics.fragments = reassembler.statistics
    }

    /// At the end of input: drops every incomplete datagram (counted as timed out).
    public mutating func finish() {
        reassembler.finish()
        statistics.fragments = reassembler.statistics
    }

    // MARK: - IPv4

    private mutating func parseIPv4(_ bytes: [UInt8], at offset: Int, timestamp: CaptureTimestamp) -> PacketDisposition {
        let available = bytes.count - offset
        guard available >= 20 else { return .malformed(.ipv4HeaderTruncated) }
        guard bytes[offset] >> 4 == 4 else { return .malformed(.ipVersionMismatch) }
        let headerLength = Int(bytes[offset] & 0x0f) * 4
        guard headerLength >= 20 else { return .malformed(.ipv4BadHeaderLength) }
        guard available >= headerLength else { return .malformed(.ipv4HeaderTruncated) }
        var totalLength = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
        if totalLength == 0 {
            // TCP segmentation offload on the capturing host: the length is left for the NIC
            // to fill in, so the captured bytes are the datagram.
            totalLength = available
        }
        guard totalLength >= headerLength else { return .malformed(.ipv4BadTotalLength) }
        let truncated = available < totalLength
        let end = offset + min(totalLength, available)  // drops Ethernet padding
        let fragmentField = Int(bytes[offset + 6]) << 8 | Int(bytes[offset + 7])
        let moreFragments = fragmentField & 0x2000 != 0
        let fragmentOffset = (fragmentField & 0x1fff) * 8
        let protocolNumber = bytes[offset + 9]
        let source = IPAddress.v4(readUInt32(bytes, offset + 12))
        let destination = IPAddress.v4(readUInt32(bytes, offset + 16))
        let payloadStart = offset + headerLength

        if moreFragments || fragmentOffset != 0 {
            guard !truncated else { return .malformed(.fragmentTruncated) }
            let key = FragmentReassembler.Key(
                source: source, destination: destination,
                identification: UInt32(bytes[offset + 4]) << 8 | UInt32(bytes[offset + 5]),
                protocolNumber: UInt16(protocolNumber))
            switch reassembler.add(
                key: key, offset: fragmentOffset, payload: bytes[payloadStart..<end], moreFragments: moreFragments,
                protocolNumber: protocolNumber, timestamp: timestamp)
            {
            case .held:
                return .fragmentHeld
            case .rejected(let issue):
                return .malformed(issue)
            case .complete(let datagram, let carried, let completedAt):
                guard carried == 6 else { return .skipped(.notTCP) }
                return parseTCP(
                    datagram, start: 0, end: datagram.count, claimedLength: datagram.count, source: source,
                    destination: destination, timestamp: completedAt)
            }
        }
        guard protocolNumber == 6 else { return .skipped(.notTCP) }
        return parseTCP(
            bytes, start: payloadStart, end: end, claimedLength: totalLength - headerLength, source: source,
            destination: destination, timestamp: timestamp)
    }

    // MARK: - IPv6

    private mutating func parseIPv6(_ bytes: [UInt8], at offset: Int, timestamp: CaptureTimestamp) -> PacketDisposition {
        let available = bytes.count - offset
        guard available >= 40 else { return .malformed(.ipv6HeaderTruncated) }
        guard bytes[offset] >> 4 == 6 else { return .malformed(.ipVersionMismatch) }
        var payloadLength = Int(bytes[offset + 4]) << 8 | Int(bytes[offset + 5])
        if payloadLength == 0 {
            // A jumbogram (hop-by-hop jumbo option) or segmentation offload: take what was captured.
            payloadLength = available - 40
        }
        let truncated = available - 40 < payloadLength
        let end = offset + 40 + min(payloadLength, available - 40)
        let source = IPAddress.v6(readUInt64(bytes, offset + 8), readUInt64(bytes, offset + 16))
        let destination = IPAddress.v6(readUInt64(bytes, offset + 24), readUInt64(bytes, offset + 32))
        return walkIPv6(
            bytes, nextHeader: bytes[offset + 6], position: offset + 40, end: end, claimedEnd: offset + 40 + payloadLength,
            truncated: truncated, source: source, destination: destination, timestamp: timestamp, mayFragment: true)
    }

    /// Walks the extension-header chain from `position` to the upper-layer header.
    private mutating func walkIPv6(
        _ bytes: [UInt8], nextHeader first: UInt8, position start: Int, end: Int, claimedEnd: Int, truncated: Bool,
        source: IPAddress, destination: IPAddress, timestamp: CaptureTimestamp, mayFragment: Bool
    ) -> PacketDisposition {
        var nextHeader = first
        var position = start
        var headers = 0
        while true {
            switch nextHeader {
            case 6:
                return parseTCP(
                    bytes, start: position, end: end, claimedLength: claimedEnd - position, source: source,
                    destination: destination, timestamp: timestamp)
            case 0, 43, 60, 135, 51, 139, 140:
                // Hop-by-hop, routing, destination options, mobility, HIP, shim6: length in
                // 8-byte units not counting the first 8; AH: in 4-byte units not counting the first 8.
                headers += 1
                guard headers <= Self.maximumExtensionHeaders else { return .malformed(.ipv6TooManyExtensionHeaders) }
                guard end - position >= 2 else { return .malformed(.ipv6ExtensionHeaderTruncated) }
                let length = nextHeader == 51 ? (Int(bytes[position + 1]) + 2) * 4 : (Int(bytes[position + 1]) + 1) * 8
                guard end - position >= length else { return .malformed(.ipv6ExtensionHeaderTruncated) }
                nextHeader = bytes[position]
                position += length
            case 44:
                headers += 1
                guard headers <= Self.maximumExtensionHeaders else { return .malformed(.ipv6TooManyExtensionHeaders) }
                guard end - position >= 8 else { return .malformed(.ipv6ExtensionHeaderTruncated) }
                let carried = bytes[position]
                let field = Int(bytes[position + 2]) << 8 | Int(bytes[position + 3])
                let fragmentOffset = field & 0xfff8
                let moreFragments = field & 1 != 0
                position += 8
                if fragmentOffset == 0 && !moreFragments {
                    // An atomic fragment (RFC 6946): the whole datagram, carry on.
                    nextHeader = carried
                    continue
                }
                guard mayFragment else { return .malformed(.fragmentInconsistent) }
                guard !truncated else { return .malformed(.fragmentTruncated) }
                let key = FragmentReassembler.Key(
                    source: source, destination: destination, identification: readUInt32(bytes, position - 4),
                    protocolNumber: 0xffff)
                switch reassembler.add(
                    key: key, offset: fragmentOffset, payload: bytes[position..<end], moreFragments: moreFragments,
                    protocolNumber: carried, timestamp: timestamp)
                {
                case .held:
                    return .fragmentHeld
                case .rejected(let issue):
                    return .malformed(issue)
                case .complete(let datagram, let carriedProtocol, let completedAt):
                    // The fragmentable part may itself start with extension headers.
                    return walkIPv6(
                        datagram, nextHeader: carriedProtocol, position: 0, end: datagram.count, claimedEnd: datagram.count,
                        truncated: false, source: source, destination: destination, timestamp: completedAt,
                        mayFragment: false)
                }
            case 50:
                return .skipped(.encrypted)
            case 59:
                return .skipped(.noNextHeader)
            default:
                return .skipped(.notTCP)
            }
        }
    }

    // MARK: - TCP

    /// `start..<end` is the captured transport data; `claimedLength` what the IP header says.
    private func parseTCP(
        _ bytes: [UInt8], start: Int, end: Int, claimedLength: Int, source: IPAddress, destination: IPAddress,
        timestamp: CaptureTimestamp
    ) -> PacketDisposition {
        let available = end - start
        guard claimedLength >= 20 else {
            return .malformed(available < claimedLength || claimedLength < 0 ? .tcpHeaderTruncated : .tcpBadDataOffset)
        }
        guard available >= 20 else { return .malformed(.tcpHeaderTruncated) }
        let dataOffset = Int(bytes[start + 12] >> 4) * 4
        guard dataOffset >= 20, dataOffset <= claimedLength else { return .malformed(.tcpBadDataOffset) }
        guard available >= dataOffset else { return .malformed(.tcpHeaderTruncated) }
        let payload = bytes[(start + dataOffset)..<end]
        let payloadLength = claimedLength - dataOffset
        return .tcp(
            TCPSegment(
                src: Endpoint(address: source, port: UInt16(bytes[start]) << 8 | UInt16(bytes[start + 1])),
                dst: Endpoint(address: destination, port: UInt16(bytes[start + 2]) << 8 | UInt16(bytes[start + 3])),
                seq: readUInt32(bytes, start + 4),
                ack: readUInt32(bytes, start + 8),
                flags: TCPFlags(rawValue: bytes[start + 13]),
                window: UInt16(bytes[start + 14]) << 8 | UInt16(bytes[start + 15]),
                payload: payload,
                payloadLength: payloadLength,
                timestamp: timestamp,
                truncated: payload.count < payloadLength))
    }
}

@inline(__always)
func readUInt32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
}

@inline(__always)
func readUInt64(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
    UInt64(readUInt32(bytes, offset)) << 32 | UInt64(readUInt32(bytes, offset + 4))
}
