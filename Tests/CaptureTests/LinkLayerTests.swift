import Capture
import CaptureTestSupport
import Glibc
import Testing

@Suite("Link layers")
struct LinkLayerTests {
    static let ipv4Packet = Frames.ipv4(Frames.tcp([1, 2, 3]))
    static let ipv6Packet = Frames.ipv6(nextHeader: 6, Frames.tcp([1, 2, 3]))

    private func frame(_ bytes: [UInt8], _ linkType: Int32) throws -> LinkFrame {
        try LinkLayer.parse(bytes, linkType: linkType).get()
    }

    @Test("Ethernet II carries IPv4 and IPv6 at offset 14")
    func ethernet() throws {
        #expect(try frame(Frames.ethernet(0x0800, Self.ipv4Packet), LinkType.ethernet) == LinkFrame(network: .ipv4, networkOffset: 14))
        #expect(try frame(Frames.ethernet(0x86dd, Self.ipv6Packet), LinkType.ethernet) == LinkFrame(network: .ipv6, networkOffset: 14))
        #expect(try frame(Frames.ethernet(0x0806, [UInt8](repeating: 0, count: 28)), LinkType.ethernet).network == .other(0x0806))
        // 802.3 with an LLC header: a length, not an EtherType.
        #expect(try frame(Frames.ethernet(46, [UInt8](repeating: 0, count: 46)), LinkType.ethernet).network == .other(0))
    }

    @Test(
        "VLAN stacks: 802.1Q, 802.1ad, QinQ, 0x9100, keeping every ID",
        arguments: [
            [(0x8100, 100)],
            [(0x88a8, 200), (0x8100, 100)],
            [(0x9100, 300), (0x8100, 100)],
            [(0x88a8, 1), (0x8100, 2), (0x8100, 3)],
            [(0x9100, 4094), (0x9100, 5), (0x88a8, 6), (0x8100, 7)],
        ])
    func vlanStacks(tags: [(Int, Int)]) throws {
        // Priority bits set in the TCI must not leak into the ID.
        let withPriority = tags.map { ($0.0, $0.1 | 0xa000) }
        let parsed = try frame(Frames.ethernet(0x86dd, tags: withPriority, Self.ipv6Packet), LinkType.ethernet)
        #expect(parsed.network == .ipv6)
        #expect(parsed.networkOffset == 14 + 4 * tags.count)
        #expect(parsed.vlanTags.ids == tags.map { UInt16($0.1) })
        #expect(parsed.vlanTags.count == tags.count)

        var parser = PacketParser()
        let segment = parser.segment(Frames.ethernet(0x0800, tags: withPriority, Self.ipv4Packet))
        #expect(segment?.payload == [1, 2, 3])
    }

    @Test("more than eight stacked tags, or a tag cut short, is malformed")
    func vlanLimits() {
        let tooMany = Frames.ethernet(0x0800, tags: Array(repeating: (0x8100, 1), count: 9), Self.ipv4Packet)
        #expect(throws: PacketIssue.tooManyVLANTags) { try LinkLayer.parse(tooMany, linkType: LinkType.ethernet).get() }
        let cut = Array(Frames.macB + Frames.macA + [0x81, 0x00, 0x00])
        #expect(throws: PacketIssue.linkHeaderTruncated) { try LinkLayer.parse(cut, linkType: LinkType.ethernet).get() }
        #expect(throws: PacketIssue.linkHeaderTruncated) { try LinkLayer.parse([1, 2, 3], linkType: LinkType.ethernet).get() }
        var parser = PacketParser()
        _ = parser.parse(tooMany, linkType: LinkType.ethernet, timestamp: Frames.time)
        _ = parser.parse(cut, linkType: LinkType.ethernet, timestamp: Frames.time)
        #expect(parser.statistics.malformed == [.tooManyVLANTags: 1, .linkHeaderTruncated: 1])
    }

    @Test("Linux cooked v1 (113) and v2 (276)")
    func linuxCooked() throws {
        #expect(try frame(Frames.sll(0x0800, Self.ipv4Packet), LinkType.linuxSLL) == LinkFrame(network: .ipv4, networkOffset: 16))
        #expect(try frame(Frames.sll(0x86dd, Self.ipv6Packet), LinkType.linuxSLL) == LinkFrame(network: .ipv6, networkOffset: 16))
        #expect(try frame(Frames.sll2(0x0800, Self.ipv4Packet), LinkType.linuxSLL2) == LinkFrame(network: .ipv4, networkOffset: 20))
        #expect(try frame(Frames.sll2(0x86dd, Self.ipv6Packet), LinkType.linuxSLL2) == LinkFrame(network: .ipv6, networkOffset: 20))
        // A VLAN tag left in a cooked frame is followed like Ethernet's.
        let tagged = Frames.sll(0x8100, Frames.be16(42) + Frames.be16(0x0800) + Self.ipv4Packet)
        #expect(try frame(tagged, LinkType.linuxSLL) == LinkFrame(network: .ipv4, networkOffset: 20, vlanTags: VLANTags([42])))
        #expect(throws: PacketIssue.linkHeaderTruncated) { try LinkLayer.parse(Array(repeating: 0, count: 15), linkType: LinkType.linuxSLL).get() }
        #expect(throws: PacketIssue.linkHeaderTruncated) { try LinkLayer.parse(Array(repeating: 0, count: 19), linkType: LinkType.linuxSLL2).get() }
    }

    @Test(
        "BSD NULL (0) and OpenBSD LOOP (108): AF_INET and the three AF_INET6 values, in both byte orders",
        arguments: [LinkType.null, LinkType.loop])
    func loopback(linkType: Int32) throws {
        for family: UInt32 in [2, 24, 28, 30] {
            let packet = family == 2 ? Self.ipv4Packet : Self.ipv6Packet
            let expected: NetworkProtocol = family == 2 ? .ipv4 : .ipv6
            for header in [Frames.le32(family), Frames.be32(family)] {
                #expect(try frame(header + packet, linkType) == LinkFrame(network: expected, networkOffset: 4))
                var parser = PacketParser()
                #expect(parser.segment(header + packet, linkType: linkType)?.payload == [1, 2, 3])
            }
        }
        #expect(try frame(Frames.le32(7) + [0, 0], linkType).network == .other(7))
        #expect(throws: PacketIssue.linkHeaderTruncated) { try LinkLayer.parse([2, 0], linkType: linkType).get() }
    }

    @Test("raw IP (12, 14, 101) decides by the version nibble", arguments: [LinkType.raw, LinkType.rawOpenBSD, LinkType.linktypeRaw])
    func rawIP(linkType: Int32) throws {
        #expect(try frame(Self.ipv4Packet, linkType) == LinkFrame(network: .ipv4, networkOffset: 0))
        #expect(try frame(Self.ipv6Packet, linkType) == LinkFrame(network: .ipv6, networkOffset: 0))
        #expect(throws: PacketIssue.ipVersionMismatch) { try LinkLayer.parse([0x50] + Self.ipv4Packet.dropFirst(), linkType: linkType).get() }
        #expect(throws: PacketIssue.linkHeaderTruncated) { try LinkLayer.parse([], linkType: linkType).get() }
        var parser = PacketParser()
        #expect(parser.segment(Self.ipv6Packet, linkType: linkType)?.src.description == "[2001:db8::1]:50000")
    }

    @Test("IPv4 (228) and IPv6 (229) link types, and an unknown DLT is skipped, not malformed")
    func otherLinkTypes() throws {
        #expect(try frame(Self.ipv4Packet, LinkType.ipv4).network == .ipv4)
        #expect(try frame(Self.ipv6Packet, LinkType.ipv6).network == .ipv6)
        var parser = PacketParser()
        let disposition = parser.parse(Self.ipv4Packet, linkType: 147, timestamp: Frames.time)
        guard case .skipped(.unsupportedLinkType) = disposition else {
            Issue.record("expected unsupported link type, got \(disposition)")
            return
        }
        #expect(parser.statistics.skipped == [.unsupportedLinkType: 1])
        #expect(parser.statistics.malformedTotal == 0)
    }

    @Test("a link type announcing IPv4 over an IPv6 packet is a version mismatch")
    func versionMismatch() {
        var parser = PacketParser()
        _ = parser.parse(Frames.ethernet(0x0800, Self.ipv6Packet), linkType: LinkType.ethernet, timestamp: Frames.time)
        _ = parser.parse(Frames.ethernet(0x86dd, Self.ipv4Packet + [UInt8](repeating: 0, count: 40)), linkType: LinkType.ethernet, timestamp: Frames.time)
        #expect(parser.statistics[.ipVersionMismatch] == 2)
    }

    @Test("addresses print as inet_ntop prints them, and parse back")
    func addressText() throws {
        let samples = [
            "::", "::1", "1::", "2001:db8::1", "2001:db8:0:0:1:0:0:1", "fe80::1:2:3:4", "2001:0:0:1::1",
            "::ffff:10.1.2.3", "::10.1.2.3", "1:2:3:4:5:6:7:8", "ff02::1:ff00:1", "2001:db8:1::", "0:1::",
        ]
        for text in samples {
            let address = try #require(IPAddress(text))
            var bytes = address.bytes
            var buffer = [CChar](repeating: 0, count: 64)
            inet_ntop(AF_INET6, &bytes, &buffer, 64)
            let expected = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            #expect(address.description == expected, "\(text)")
            #expect(IPAddress(address.description) == address)
        }
        #expect(IPAddress("10.0.0.255") == IPAddress(ipv4: 10, 0, 0, 255))
        #expect(IPAddress("256.0.0.1") == nil)
        #expect(IPAddress("1:2:3") == nil)
        #expect(IPAddress("1::2::3") == nil)
        #expect(Endpoint(address: IPAddress("1.2.3.4")!, port: 5).description == "1.2.3.4:5")
        #expect(Endpoint(address: IPAddress("::1")!, port: 5).description == "[::1]:5")
    }
}
