/// Link-layer header types (DLT_ values as libpcap reports them on Linux, and the LINKTYPE_
/// values files carry where those differ).
public enum LinkType {
    /// BSD loopback: a 4-byte address family in the capturing host's byte order.
    public static let null: Int32 = 0
    public static let ethernet: Int32 = 1
    /// Raw IP as Linux's libpcap numbers it (DLT_RAW).
    public static let raw: Int32 = 12
    /// Raw IP as OpenBSD numbers it.
    public static let rawOpenBSD: Int32 = 14
    /// Raw IP as capture files number it (LINKTYPE_RAW).
    public static let linktypeRaw: Int32 = 101
    /// OpenBSD loopback: a 4-byte address family in network byte order.
    public static let loop: Int32 = 108
    /// Linux cooked capture v1 (what `any` gives by default).
    public static let linuxSLL: Int32 = 113
    public static let ipv4: Int32 = 228
    public static let ipv6: Int32 = 229
    /// Linux cooked capture v2 (carries the interface index).
    public static let linuxSLL2: Int32 = 276

    /// A short name for messages: `EN10MB (1)`.
    public static func name(_ linkType: Int32) -> String {
        let known: [Int32: String] = [
            0: "NULL", 1: "EN10MB", 12: "RAW", 14: "RAW (OpenBSD)", 101: "RAW", 108: "LOOP",
            113: "LINUX_SLL", 228: "IPV4", 229: "IPV6", 276: "LINUX_SLL2",
        ]
        return "\(known[linkType] ?? "DLT") (\(linkType))"
    }
}

/// The network-layer protocol a frame carries.
public enum NetworkProtocol: Sendable, Hashable {
    case ipv4
    case ipv6
    /// Anything else, by EtherType (ARP 0x0806, LLDP 0x88cc, ...), or by BSD address family
    /// for loopback captures, or 0 for 802.3 frames with an LLC header.
    case other(UInt16)
}

/// Up to four 802.1Q/802.1ad tags, outermost first, held inline so parsing allocates nothing.
public struct VLANTags: Sendable, Hashable, CustomStringConvertible {
    /// How many tags the frame had (may exceed the four kept).
    public private(set) var count: Int = 0
    private var packed: UInt64 = 0

    public init() {}

    public init(_ ids: [UInt16]) {
        for id in ids { append(id) }
    }

    mutating func append(_ id: UInt16) {
        if count < 4 { packed |= UInt64(id & 0x0fff) << (16 * UInt64(count)) }
        count += 1
    }

    /// The VLAN IDs kept, outermost first.
    public var ids: [UInt16] {
        (0..<min(count, 4)).map { UInt16(truncatingIfNeeded: packed >> (16 * UInt64($0))) }
    }

    public var isEmpty: Bool { count == 0 }

    public var description: String { ids.map(String.init).joined(separator: ".") }
}

/// Where a frame's network header starts, and what it is.
public struct LinkFrame: Sendable, Hashable {
    public var network: NetworkProtocol
    /// Offset of the network header in the packet's bytes.
    public var networkOffset: Int
    public var vlanTags: VLANTags

    public init(network: NetworkProtocol, networkOffset: Int, vlanTags: VLANTags = VLANTags()) {
        self.network = network
        self.networkOffset = networkOffset
        self.vlanTags = vlanTags
    }
}

/// Link-layer header parsing for the link types a CM host's captures have.
public enum LinkLayer {
    /// More stacked VLAN tags than this is treated as a malformed frame.
    public static let maximumVLANDepth = 8

    static let etherTypeIPv4: UInt16 = 0x0800
    static let etherTypeIPv6: UInt16 = 0x86dd

    /// Finds the network header of a frame of `linkType`.
    public static func parse(_ bytes: [UInt8], linkType: Int32) -> Result<LinkFrame, PacketIssue> {
        switch linkType {
        case LinkType.ethernet:
            guard bytes.count >= 14 else { return .failure(.linkHeaderTruncated) }
            return etherTypeChain(bytes, typeOffset: 12)
        case LinkType.linuxSLL:
            guard bytes.count >= 16 else { return .failure(.linkHeaderTruncated) }
            return etherTypeChain(bytes, typeOffset: 14)
        case LinkType.linuxSLL2:
            guard bytes.count >= 20 else { return .failure(.linkHeaderTruncated) }
            let protocolType = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
            return dispatchEtherType(bytes, protocolType, payloadOffset: 20, tags: VLANTags())
        case LinkType.null, LinkType.loop:
            guard bytes.count >= 4 else { return .failure(.linkHeaderTruncated) }
            var family = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
            // Written in the capturing host's byte order (NULL) or network order (LOOP, though
            // some writers get it wrong): a family number is small, so whichever reading is.
            if family > 0xffff { family = family.byteSwapped }
            switch family {
            case 2: return .success(LinkFrame(network: .ipv4, networkOffset: 4))
            case 24, 28, 30: return .success(LinkFrame(network: .ipv6, networkOffset: 4))
            default: return .success(LinkFrame(network: .other(UInt16(truncatingIfNeeded: family)), networkOffset: 4))
            }
        case LinkType.raw, LinkType.rawOpenBSD, LinkType.linktypeRaw:
            guard let first = bytes.first else { return .failure(.linkHeaderTruncated) }
            switch first >> 4 {
            case 4: return .success(LinkFrame(network: .ipv4, networkOffset: 0))
            case 6: return .success(LinkFrame(network: .ipv6, networkOffset: 0))
            default: return .failure(.ipVersionMismatch)
            }
        case LinkType.ipv4:
            return .success(LinkFrame(network: .ipv4, networkOffset: 0))
        case LinkType.ipv6:
            return .success(LinkFrame(network: .ipv6, networkOffset: 0))
        default:
            return .failure(.unsupportedLinkType)
        }
    }

    /// Ethernet and SLL v1: an EtherType (or 802.3 length) at `typeOffset`, then VLAN tags.
    private static func etherTypeChain(_ bytes: [UInt8], typeOffset: Int) -> Result<LinkFrame, PacketIssue> {
        let type = UInt16(bytes[typeOffset]) << 8 | UInt16(bytes[typeOffset + 1])
        return dispatchEtherType(bytes, type, payloadOffset: typeOffset + 2, tags: VLANTags())
    }

    private static func dispatchEtherType(
        _ bytes: [UInt8], _ firstType: UInt16, payloadOffset firstOffset: Int, tags firstTags: VLANTags
    ) -> Result<LinkFrame, PacketIssue> {
        var type = firstType
        var offset = firstOffset
        var tags = firstTags
        while true {
            switch type {
            case etherTypeIPv4:
                return .success(LinkFrame(network: .ipv4, networkOffset: offset, vlanTags: tags))
            case etherTypeIPv6:
                return .success(LinkFrame(network: .ipv6, networkOffset: offset, vlanTags: tags))
            case 0x8100, 0x88a8, 0x9100:
                // 802.1Q, 802.1ad (QinQ service tag), and the pre-standard QinQ type.
                guard tags.count < maximumVLANDepth else { return .failure(.tooManyVLANTags) }
                guard bytes.count >= offset + 4 else { return .failure(.linkHeaderTruncated) }
                tags.append((UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])) & 0x0fff)
                type = UInt16(bytes[offset + 2]) << 8 | UInt16(bytes[offset + 3])
                offset += 4
            default:
                // An 802.3 length (<= 1500) means an LLC header follows: not IP for us.
                return .success(LinkFrame(network: .other(type <= 1500 ? 0 : type), networkOffset: offset, vlanTags: tags))
            }
        }
    }
}
