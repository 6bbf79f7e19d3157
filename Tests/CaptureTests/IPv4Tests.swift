import Capture
import CaptureTestSupport
import Testing

@Suite("IPv4 and fragment reassembly")
struct IPv4Tests {
    /// A TCP segment with `size` payload bytes, split into IPv4 fragments of `chunk` bytes of
    /// the IP payload (TCP header included), returned as Ethernet frames.
    static func fragments(
        size: Int, chunk: Int = 64, identification: Int = 7, protocolNumber: UInt8 = 6, fill: UInt8? = nil
    ) -> (frames: [[UInt8]], payload: [UInt8]) {
        let payload = (0..<size).map { fill ?? UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let transport = protocolNumber == 6 ? Frames.tcp(payload) : Frames.udp(payload)
        var frames: [[UInt8]] = []
        var offset = 0
        while offset < transport.count {
            let end = min(offset + chunk, transport.count)
            frames.append(
                Frames.ethernet(
                    0x0800,
                    Frames.ipv4(
                        protocolNumber: protocolNumber, identification: identification, moreFragments: end < transport.count,
                        fragmentOffset: offset, Array(transport[offset..<end]))))
            offset = end
        }
        return (frames, payload)
    }

    static func time(_ seconds: Int64) -> CaptureTimestamp {
        CaptureTimestamp(seconds: 1_700_000_000 + seconds, nanoseconds: 0)
    }

    private func feed(_ frames: [[UInt8]], into parser: inout PacketParser, at seconds: Int64 = 0) -> [TCPSegment] {
        frames.compactMap { parser.segment($0, at: Self.time(seconds)) }
    }

    @Test("a plain segment: addresses, ports, flags, window, options skipped, padding trimmed")
    func plainSegment() throws {
        var parser = PacketParser()
        let options: [UInt8] = [0x94, 4, 0, 0]  // router alert
        let frame = Frames.ethernet(
            0x0800,
            Frames.ipv4(
                source: [192, 168, 1, 10], destination: [10, 9, 8, 7], options: options,
                Frames.tcp(
                    sourcePort: 40000, destinationPort: 443, seq: 0xffff_fff0, ack: 77, flags: [.ack, .psh], window: 512,
                    options: [1, 1, 1, 1], [9, 8, 7])) + [0, 0, 0, 0, 0, 0])  // Ethernet padding
        let parsed = parser.segment(frame)
        let segment = try #require(parsed)
        #expect(segment.src.description == "192.168.1.10:40000")
        #expect(segment.dst.description == "10.9.8.7:443")
        #expect(segment.seq == 0xffff_fff0)
        #expect(segment.ack == 77)
        #expect(segment.flags == [.ack, .psh])
        #expect(segment.window == 512)
        #expect(Array(segment.payload) == [9, 8, 7])
        #expect(segment.truncated == false)
        #expect(segment.timestamp == Frames.time)
    }

    @Test("a snapshot length shorter than the IP length marks the segment truncated")
    func truncatedSegment() throws {
        var parser = PacketParser()
        let frame = Frames.ethernetTCP(Array(repeating: 1, count: 100))
        let parsed = parser.segment(Array(frame.prefix(14 + 20 + 20 + 10)))
        let segment = try #require(parsed)
        #expect(segment.truncated)
        #expect(segment.payload.count == 10)
        #expect(segment.payloadLength == 100)
        #expect(parser.statistics.truncatedSegments == 1)
    }

    @Test("fragments in order, reversed and shuffled reassemble to the original segment", arguments: [0, 1, 2, 3, 4])
    func fragmentOrders(seed: UInt64) throws {
        let (frames, payload) = Self.fragments(size: 1200, chunk: 88)
        var ordered = frames
        switch seed {
        case 0: break
        case 1: ordered.reverse()
        default:
            var generator = SeededGenerator(seed: seed)
            ordered.shuffle(using: &generator)
        }
        var parser = PacketParser()
        let segments = feed(ordered, into: &parser)
        #expect(segments.count == 1)
        #expect(segments.first.map { Array($0.payload) } == payload)
        #expect(parser.statistics.fragments.datagramsReassembled == 1)
        #expect(parser.statistics.fragments.fragments == frames.count)
        #expect(parser.statistics.fragments.bufferedBytes == 0)
        #expect(parser.pendingDatagrams == 0)
    }

    @Test("overlapping fragments: the first copy of each byte wins, overlap is counted")
    func overlappingFragments() throws {
        let transport = Frames.tcp(Array(repeating: 0x11, count: 60))  // 80 bytes
        func fragment(_ offset: Int, _ bytes: [UInt8], more: Bool) -> [UInt8] {
            Frames.ethernet(0x0800, Frames.ipv4(identification: 9, moreFragments: more, fragmentOffset: offset, bytes))
        }
        var parser = PacketParser()
        // Bytes 40..<64 first, then 32..<72 of a different value (only 32..<40 and 64..<72 are new),
        // then the rest from the original.
        #expect(parser.segment(fragment(40, Array(transport[40..<64]), more: true)) == nil)
        #expect(parser.segment(fragment(32, [UInt8](repeating: 0xee, count: 40), more: true)) == nil)
        #expect(parser.segment(fragment(72, Array(transport[72...]), more: false)) == nil)
        let parsed = parser.segment(fragment(0, Array(transport[0..<40]), more: true))
        let segment = try #require(parsed)
        // The second fragment arrived before the original bytes 32..<40, so its 0xee wins there
        // as well as at 64..<72 (transport offsets; the TCP payload starts at 20).
        var expected = [UInt8](repeating: 0x11, count: 60)
        for index in (32 - 20)..<(40 - 20) { expected[index] = 0xee }
        for index in (64 - 20)..<(72 - 20) { expected[index] = 0xee }
        #expect(Array(segment.payload) == expected)
        // 24 bytes of the second fragment overlapped the first; 8 bytes of the last one (0..<40)
        // overlapped the second.
        #expect(parser.statistics.fragments.overlapBytes == 24 + 8)
    }

    @Test("an incomplete datagram times out by capture time and is counted")
    func fragmentTimeout() {
        let (frames, _) = Self.fragments(size: 300, chunk: 96)
        var parser = PacketParser()
        #expect(feed(Array(frames.dropLast()), into: &parser, at: 0).isEmpty)
        #expect(parser.pendingDatagrams == 1)
        // 29 s later it is still there; the last fragment 31 s after the first arrives too late.
        parser.expireFragments(now: Self.time(29))
        #expect(parser.pendingDatagrams == 1)
        #expect(feed([frames.last!], into: &parser, at: 31).isEmpty)
        #expect(parser.statistics.fragments.datagramsTimedOut == 1)
        #expect(parser.pendingDatagrams == 1)  // the late fragment starts a new, incomplete one
        parser.finish()
        #expect(parser.statistics.fragments.datagramsTimedOut == 2)
        #expect(parser.statistics.fragments.bufferedBytes == 0)
    }

    @Test("memory stays bounded in total and per datagram; the oldest datagrams go first")
    func fragmentMemoryBounds() {
        var limits = FragmentLimits()
        limits.maximumTotalBytes = 2000
        limits.maximumDatagrams = 8
        var parser = PacketParser(fragmentLimits: limits)
        // 20 datagrams, each missing its last fragment, ~600 bytes each.
        for id in 0..<20 {
            let (frames, _) = Self.fragments(size: 600, chunk: 200, identification: 100 + id)
            _ = feed(Array(frames.dropLast()), into: &parser)
            #expect(parser.statistics.fragments.bufferedBytes <= 2000)
        }
        #expect(parser.statistics.fragments.peakBufferedBytes <= 2000)
        #expect(parser.statistics.fragments.datagramsEvicted > 0)
        // The newest datagram is still complete-able.
        let (frames, payload) = Self.fragments(size: 600, chunk: 200, identification: 119)
        #expect(feed([frames.last!], into: &parser).first.map { Array($0.payload) } == payload)

        // A fragment reaching past the largest datagram is refused.
        var small = FragmentLimits()
        small.maximumDatagramBytes = 1000
        var bounded = PacketParser(fragmentLimits: small)
        let (big, _) = Self.fragments(size: 1500, chunk: 400)
        _ = feed(big, into: &bounded)
        #expect(bounded.statistics[.fragmentTooLarge] >= 1)
        #expect(bounded.pendingDatagrams == 0 || bounded.statistics.fragments.bufferedBytes <= 1000)
    }

    @Test("broken fragments are counted by reason: bad length, truncated, inconsistent end")
    func brokenFragments() {
        var parser = PacketParser()
        // A non-final fragment whose length is not a multiple of 8.
        _ = parser.parse(Frames.ethernet(0x0800, Frames.ipv4(moreFragments: true, Array(repeating: 0, count: 30))), linkType: 1, timestamp: Frames.time)
        // A fragment cut by the snapshot length.
        let cut = Frames.ethernet(0x0800, Frames.ipv4(identification: 2, moreFragments: true, Array(repeating: 0, count: 64)))
        _ = parser.parse(Array(cut.prefix(60)), linkType: 1, timestamp: Frames.time)
        // A final fragment ending at 64, then a fragment beyond it.
        _ = parser.parse(
            Frames.ethernet(0x0800, Frames.ipv4(identification: 3, fragmentOffset: 48, Array(repeating: 0, count: 16))), linkType: 1, timestamp: Frames.time)
        _ = parser.parse(
            Frames.ethernet(0x0800, Frames.ipv4(identification: 3, moreFragments: true, fragmentOffset: 64, Array(repeating: 0, count: 16))), linkType: 1,
            timestamp: Frames.time)
        #expect(parser.statistics.malformed == [.fragmentBadLength: 1, .fragmentTruncated: 1, .fragmentInconsistent: 1])
    }

    @Test("a fragmented UDP datagram is reassembled and then skipped as not TCP")
    func fragmentedUDP() {
        let (frames, _) = Self.fragments(size: 500, chunk: 160, protocolNumber: 17)
        var parser = PacketParser()
        #expect(feed(frames, into: &parser).isEmpty)
        #expect(parser.statistics.fragments.datagramsReassembled == 1)
        #expect(parser.statistics.skipped == [.notTCP: 1])
    }

    @Test("malformed IPv4 and TCP headers are counted by reason")
    func malformedHeaders() {
        var parser = PacketParser()
        let good = Frames.ipv4(Frames.tcp([1]))
        var badIHL = good
        badIHL[0] = 0x44
        var shortTotal = good
        shortTotal[2] = 0
        shortTotal[3] = 10
        var badOffset = good
        badOffset[20 + 12] = 0x30
        var hugeOffset = good
        hugeOffset[20 + 12] = 0xf0
        let cases: [([UInt8], PacketIssue)] = [
            (Array(good.prefix(12)), .ipv4HeaderTruncated),
            (badIHL, .ipv4BadHeaderLength),
            (shortTotal, .ipv4BadTotalLength),
            (Array(good.prefix(30)), .tcpHeaderTruncated),
            (badOffset, .tcpBadDataOffset),
            (hugeOffset, .tcpBadDataOffset),
            (Frames.ipv4(totalLength: 30, Frames.tcp([])), .tcpBadDataOffset),
        ]
        for (bytes, issue) in cases {
            let disposition = parser.parse(Frames.ethernet(0x0800, bytes), linkType: 1, timestamp: Frames.time)
            guard case .malformed(let found) = disposition, found == issue else {
                Issue.record("expected \(issue), got \(disposition)")
                continue
            }
        }
        #expect(parser.statistics.malformedTotal == cases.count)
        _ = parser.parse(Frames.ethernet(0x0800, Frames.ipv4(protocolNumber: 17, Frames.udp([1, 2]))), linkType: 1, timestamp: Frames.time)
        _ = parser.parse(Frames.ethernet(0x0806, Array(repeating: 0, count: 28)), linkType: 1, timestamp: Frames.time)
        #expect(parser.statistics.skipped == [.notTCP: 1, .notIP: 1])
    }

    @Test("random bytes and mutated frames never trap", arguments: [LinkType.ethernet, LinkType.linuxSLL, LinkType.linuxSLL2, LinkType.null, LinkType.raw])
    func fuzz(linkType: Int32) {
        var generator = SeededGenerator(seed: UInt64(linkType) + 99)
        var parser = PacketParser()
        let base = Frames.ethernet(
            0x86dd,
            Frames.ipv6(
                nextHeader: 0,
                Frames.extensionHeader(next: 44) + Frames.fragmentHeader(next: 6, offset: 0, more: true, identification: 1)
                    + Frames.tcp(Array(repeating: 5, count: 40))))
        for round in 0..<3000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...120, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            } else {
                bytes = base
                for _ in 0..<Int.random(in: 1...6, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &generator)))
            }
            _ = parser.parse(bytes, linkType: linkType, timestamp: CaptureTimestamp(seconds: Int64(round), nanoseconds: 0))
        }
        #expect(parser.statistics.packets == 3000)
        parser.finish()
        #expect(parser.statistics.fragments.bufferedBytes == 0)
    }
}
