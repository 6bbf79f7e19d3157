/// Why a packet yielded no TCP segment: either it is simply something else (skipped), or a
/// header is impossible or cut short (malformed). Each is counted in `PacketStatistics`.
public enum PacketIssue: Int, Error, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    // Skipped: well-formed, but not TCP over IP.
    /// A link-layer type this parser does not decode.
    case unsupportedLinkType
    /// ARP, LLDP, 802.3/LLC and other non-IP frames.
    case notIP
    /// UDP, ICMP, and any other transport.
    case notTCP
    /// IPsec ESP: the transport header is encrypted.
    case encrypted
    /// IPv6 "no next header" (59).
    case noNextHeader

    // Malformed.
    case linkHeaderTruncated
    case tooManyVLANTags
    /// The IP version nibble does not match what the link layer announced.
    case ipVersionMismatch
    case ipv4HeaderTruncated
    /// IHL below 5 words.
    case ipv4BadHeaderLength
    /// Total length smaller than the header.
    case ipv4BadTotalLength
    case ipv6HeaderTruncated
    case ipv6ExtensionHeaderTruncated
    case ipv6TooManyExtensionHeaders
    /// A fragment the snapshot length cut: it cannot be reassembled.
    case fragmentTruncated
    /// A non-final fragment whose length is not a multiple of 8.
    case fragmentBadLength
    /// A fragment ending beyond the largest datagram allowed.
    case fragmentTooLarge
    /// A fragment contradicting the datagram's length (data past the final fragment, two
    /// different final fragments).
    case fragmentInconsistent
    case tcpHeaderTruncated
    /// A TCP data offset below 5 words, or beyond the IP payload.
    case tcpBadDataOffset

    /// True for a broken header, false for a packet that is merely not TCP.
    public var isMalformed: Bool { rawValue >= PacketIssue.linkHeaderTruncated.rawValue }

    public var description: String {
        switch self {
        case .unsupportedLinkType: return "unsupported link type"
        case .notIP: return "not IP"
        case .notTCP: return "not TCP"
        case .encrypted: return "IPsec ESP"
        case .noNextHeader: return "IPv6 no next header"
        case .linkHeaderTruncated: return "link-layer header truncated"
        case .tooManyVLANTags: return "too many VLAN tags"
        case .ipVersionMismatch: return "IP version mismatch"
        case .ipv4HeaderTruncated: return "IPv4 header truncated"
        case .ipv4BadHeaderLength: return "IPv4 header length below 20"
        case .ipv4BadTotalLength: return "IPv4 total length below header length"
        case .ipv6HeaderTruncated: return "IPv6 header truncated"
        case .ipv6ExtensionHeaderTruncated: return "IPv6 extension header truncated"
        case .ipv6TooManyExtensionHeaders: return "too many IPv6 extension headers"
        case .fragmentTruncated: return "fragment cut by the snapshot length"
        case .fragmentBadLength: return "fragment length not a multiple of 8"
        case .fragmentTooLarge: return "fragment beyond the maximum datagram size"
        case .fragmentInconsistent: return "fragment inconsistent with the datagram length"
        case .tcpHeaderTruncated: return "TCP header truncated"
        case .tcpBadDataOffset: return "TCP data offset invalid"
        }
    }
}
