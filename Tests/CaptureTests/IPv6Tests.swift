import Capture
import CaptureTestSupport
import Testing

@Suite("IPv6 extension headers and fragments")
struct IPv6Tests {
    static let payload: [UInt8] = Array("MQTT over IPv6".utf8)

    private func parse(_ packet: [UInt8], _ parser: inout PacketParser) -> PacketDisposition {
        parser.parse(Frames.ethernet(0x86dd, packet), linkType: LinkType.ethernet, timestamp: Frames.time)
    }

    @Test("hop-by-hop, routing, destination options, AH and mobility headers are walked to TCP")
    func extensionChain() throws {
        let chain =
            Frames.extensionHeader(next: 43, units: 1)  // hop-by-hop -> routing
            + Frames.extensionHeader(next: 60, units: 3)  // routing -> destination options
            + Frames.extensionHeader(next: 51, units: 2)  // destination options -> AH
            + Frames.authenticationHeader(next: 135)  // AH -> mobility
            + Frames.extensionHeader(next: 6, units: 1)  // mobility -> TCP
        var parser = PacketParser()
        let packet = Frames.ipv6(nextHeader: 0, chain + Frames.tcp(sourcePort: 8883, destinationPort: 40001, Self.payload))
        guard case .tcp(let segment) = parse(packet, &parser) else {
            Issue.record("no TCP segment")
            return
        }
        #expect(Array(segment.payload) == Self.payload)
        #expect(segment.src.description == "[2001:db8::1]:8883")
        #expect(segment.dst.description == "[2001:db8::2]:40001")
        #expect(segment.truncated == false)
    }

    @Test("ESP and no-next-header end the chain; other transports are skipped")
    func chainEnds() {
        var parser = PacketParser()
        _ = parse(Frames.ipv6(nextHeader: 0, Frames.extensionHeader(next: 50) + Array(repeating: 0, count: 32)), &parser)
        _ = parse(Frames.ipv6(nextHeader: 60, Frames.extensionHeader(next: 59)), &parser)
        _ = parse(Frames.ipv6(nextHeader: 17, Frames.udp([1, 2, 3])), &parser)
        _ = parse(Frames.ipv6(nextHeader: 58, [128, 0, 0, 0]), &parser)
        #expect(parser.statistics.skipped == [.encrypted: 1, .noNextHeader: 1, .notTCP: 2])
        #expect(parser.statistics.malformedTotal == 0)
    }

    @Test("truncated headers and endless chains are malformed, counted by reason")
    func malformedChains() {
        var parser = PacketParser()
        let long = (0..<20).flatMap { _ in Frames.extensionHeader(next: 60) } + Frames.tcp([])
        _ = parse(Frames.ipv6(nextHeader: 60, long), &parser)
        // A routing header claiming 3 units in a 1-unit packet.
        _ = parse(Frames.ipv6(nextHeader: 43, [6, 2] + Array(repeating: 0, count: 6)), &parser)
        _ = parse(Array(Frames.ipv6(nextHeader: 6, Frames.tcp([])).prefix(30)), &parser)
        _ = parse(Frames.ipv6(nextHeader: 44, [6, 0, 0]), &parser)
        #expect(
            parser.statistics.malformed == [
                .ipv6TooManyExtensionHeaders: 1, .ipv6ExtensionHeaderTruncated: 2, .ipv6HeaderTruncated: 1,
            ])
    }

    /// Fragments of `transport` (the fragmentable part, starting with `firstNext`), each behind
    /// a hop-by-hop header (unfragmentable part) and a fragment header.
    static func fragments(_ fragmentable: [UInt8], firstNext: UInt8, chunk: Int, identification: UInt32) -> [[UInt8]] {
        var packets: [[UInt8]] = []
        var offset = 0
        while offset < fragmentable.count {
            let end = min(offset + chunk, fragmentable.count)
            let body =
                Frames.extensionHeader(next: 44)
                + Frames.fragmentHeader(next: firstNext, offset: offset, more: end < fragmentable.count, identification: identification)
                + Array(fragmentable[offset..<end])
            packets.append(Frames.ipv6(nextHeader: 0, body))
            offset = end
        }
        return packets
    }

    @Test("fragments reassemble in any order, and headers inside the fragmentable part are walked", arguments: [0, 1, 2, 3])
    func fragmentsReassemble(seed: UInt64) throws {
        let data = (0..<900).map { UInt8(truncatingIfNeeded: $0 * 13) }
        // Destination options inside the fragmentable part, then TCP.
        let fragmentable = Frames.extensionHeader(next: 6, units: 2) + Frames.tcp(data)
        var packets = Self.fragments(fragmentable, firstNext: 60, chunk: 128, identification: 0xdead_beef)
        var generator = SeededGenerator(seed: seed)
        if seed > 0 { packets.shuffle(using: &generator) }
        var parser = PacketParser()
        var segments: [TCPSegment] = []
        for packet in packets {
            if case .tcp(let segment) = parse(packet, &parser) { segments.append(segment) }
        }
        #expect(segments.count == 1)
        #expect(segments.first.map { Array($0.payload) } == data)
        #expect(parser.statistics.fragments.datagramsReassembled == 1)
    }

    @Test("an atomic fragment (offset 0, no more fragments) is parsed on the spot")
    func atomicFragment() {
        var parser = PacketParser()
        let packet = Frames.ipv6(
            nextHeader: 44, Frames.fragmentHeader(next: 6, offset: 0, more: false, identification: 5) + Frames.tcp(Self.payload))
        guard case .tcp(let segment) = parse(packet, &parser) else {
            Issue.record("no segment")
            return
        }
        #expect(Array(segment.payload) == Self.payload)
        #expect(parser.pendingDatagrams == 0)
    }

    @Test("IPv6 fragments with different identifications or sources do not mix; unfinished ones time out")
    func fragmentKeys() {
        let fragmentable = Frames.tcp(Array(repeating: 7, count: 200))
        let first = Self.fragments(fragmentable, firstNext: 6, chunk: 64, identification: 1)
        let second = Self.fragments(fragmentable, firstNext: 6, chunk: 64, identification: 2)
        var parser = PacketParser()
        var completed = 0
        // All but the last of datagram 1, then the last of datagram 2: nothing completes.
        for packet in first.dropLast() + [second.last!] {
            if case .tcp = parse(packet, &parser) { completed += 1 }
        }
        #expect(completed == 0)
        #expect(parser.pendingDatagrams == 2)
        parser.expireFragments(now: CaptureTimestamp(seconds: Frames.time.seconds + 60, nanoseconds: 0))
        #expect(parser.pendingDatagrams == 0)
        #expect(parser.statistics.fragments.datagramsTimedOut == 2)
    }

    @Test("a payload length beyond what was captured marks the segment truncated")
    func truncated() {
        var parser = PacketParser()
        let packet = Frames.ipv6(nextHeader: 6, Frames.tcp(Array(repeating: 1, count: 500)))
        guard case .tcp(let segment) = parse(Array(packet.prefix(40 + 20 + 100)), &parser) else {
            Issue.record("no segment")
            return
        }
        #expect(segment.truncated)
        #expect(segment.payload.count == 100)
        #expect(segment.payloadLength == 500)
    }
}
