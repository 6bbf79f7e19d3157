import Capture
import CaptureTestSupport
import Testing

/// Records reassembler events and checks, as they come, that they make sense: nothing before
/// `opened`, nothing after `closed`.
final class StreamRecorder {
    struct StreamKey: Hashable {
        var connection: UInt64
        var direction: TCPDirection
    }

    var events: [TCPStreamEvent] = []
    var connections: [UInt64: TCPConnection] = [:]
    var hadSYN: [UInt64: Bool] = [:]
    var closed: [UInt64: TCPCloseReason] = [:]
    /// Delivered bytes per stream, with nil for each byte a gap stood for.
    var streams: [StreamKey: [UInt8?]] = [:]
    var problems: [String] = []

    func record(_ event: TCPStreamEvent) {
        events.append(event)
        switch event {
        case .opened(let connection, let syn):
            if connections[connection.id] != nil { problems.append("opened twice: \(connection)") }
            connections[connection.id] = connection
            hadSYN[connection.id] = syn
        case .data(let connection, let direction, let bytes, _):
            check(connection)
            if bytes.isEmpty { problems.append("empty data event") }
            streams[StreamKey(connection: connection.id, direction: direction), default: []].append(contentsOf: bytes.map { $0 })
        case .gap(let connection, let direction, let missing, _):
            check(connection)
            if missing <= 0 { problems.append("gap of \(missing)") }
            streams[StreamKey(connection: connection.id, direction: direction), default: []]
                .append(contentsOf: repeatElement(nil, count: missing))
        case .closed(let connection, let reason):
            check(connection)
            closed[connection.id] = reason
        }
    }

    private func check(_ connection: TCPConnection) {
        if connections[connection.id] == nil { problems.append("event before opened: \(connection)") }
        if closed[connection.id] != nil { problems.append("event after closed: \(connection)") }
    }

    func stream(_ id: UInt64 = 1, _ direction: TCPDirection = .clientToServer) -> [UInt8?] {
        streams[StreamKey(connection: id, direction: direction)] ?? []
    }

    /// The delivered bytes, when there was no gap.
    func bytes(_ id: UInt64 = 1, _ direction: TCPDirection = .clientToServer) -> [UInt8]? {
        let stream = stream(id, direction)
        return stream.contains(where: { $0 == nil }) ? nil : stream.map { $0! }
    }

    var gapEvents: [(UInt64, TCPDirection, Int)] {
        events.compactMap {
            if case .gap(let connection, let direction, let missing, _) = $0 { return (connection.id, direction, missing) }
            return nil
        }
    }
}

@Suite("TCP reassembly")
struct TCPReassemblyTests {
    static let client = Endpoint(address: IPAddress("10.0.0.1")!, port: 50000)
    static let server = Endpoint(address: IPAddress("10.0.0.2")!, port: 1883)

    static func time(_ seconds: Int64, _ nanoseconds: Int32 = 0) -> CaptureTimestamp {
        CaptureTimestamp(seconds: 1_700_000_000 + seconds, nanoseconds: nanoseconds)
    }

    static func segment(
        _ src: Endpoint = client, _ dst: Endpoint = server, seq: UInt32, flags: TCPFlags = [.ack], _ payload: [UInt8] = [],
        at seconds: Int64 = 0, payloadLength: Int? = nil
    ) -> TCPSegment {
        TCPSegment(
            src: src, dst: dst, seq: seq, ack: 0, flags: flags, window: 65535, payload: payload[...],
            payloadLength: payloadLength, timestamp: time(seconds))
    }

    static func randomBytes(_ count: Int, _ generator: inout SeededGenerator) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// Cuts `data` (starting at sequence number `first`) into segments of 1...maximum bytes.
    static func cut(
        _ data: [UInt8], first: UInt32, from src: Endpoint, to dst: Endpoint, maximum: Int, _ generator: inout SeededGenerator
    ) -> [TCPSegment] {
        var segments: [TCPSegment] = []
        var offset = 0
        while offset < data.count {
            let size = min(Int.random(in: 1...maximum, using: &generator), data.count - offset)
            segments.append(segment(src, dst, seq: first &+ UInt32(offset), Array(data[offset..<offset + size])))
            offset += size
        }
        return segments
    }

    private func run(_ reassembler: TCPReassembler, _ segments: [TCPSegment], _ recorder: StreamRecorder, finish: Bool = true) {
        for segment in segments {
            reassembler.process(segment, recorder.record)
        }
        if finish { reassembler.finish(recorder.record) }
    }

    @Test("a handshake, data both ways and two FINs: opened with SYN, in-order data, closed by FIN")
    func handshakeAndFIN() {
        let reassembler = TCPReassembler()
        let recorder = StreamRecorder()
        let segments = [
            Self.segment(seq: 100, flags: [.syn]),
            Self.segment(Self.server, Self.client, seq: 5000, flags: [.syn, .ack]),
            Self.segment(seq: 101, flags: [.ack]),
            Self.segment(seq: 101, flags: [.ack, .psh], Array("hello".utf8)),
            Self.segment(Self.server, Self.client, seq: 5001, flags: [.ack, .psh], Array("world!".utf8)),
            Self.segment(seq: 106, flags: [.ack, .fin]),
            Self.segment(Self.server, Self.client, seq: 5007, flags: [.ack, .fin]),
            Self.segment(seq: 107, flags: [.ack]),
        ]
        run(reassembler, segments, recorder, finish: false)
        #expect(recorder.problems.isEmpty, "\(recorder.problems)")
        #expect(recorder.connections[1] == TCPConnection(id: 1, client: Self.client, server: Self.server))
        #expect(recorder.hadSYN[1] == true)
        #expect(recorder.bytes(1, .clientToServer) == Array("hello".utf8))
        #expect(recorder.bytes(1, .serverToClient) == Array("world!".utf8))
        #expect(recorder.closed[1] == .fin)
        let stats = reassembler.statistics
        #expect(stats.segmentsAfterClose == 1)  // the last ACK
        #expect(stats.bytesDelivered == 11)
        #expect(stats.peakBufferedBytes == 0)
        #expect(stats.outOfOrderSegments == 0)
        #expect(stats.connectionsClosed == [.fin: 1])
        // Nothing more at the end of the input.
        #expect(reassembler.finish().isEmpty)
    }

    @Test("in-order data is delivered without a copy: the event shares the packet's bytes")
    func fastPathSharesStorage() {
        let reassembler = TCPReassembler()
        let packet: [UInt8] = Array(repeating: 0, count: 54) + Array("payload".utf8)
        var segment = Self.segment(seq: 1, Array("x".utf8))
        segment.payload = packet[54...]
        segment.payloadLength = 7
        let events = reassembler.process(segment)
        guard case .data(_, _, let bytes, _)? = events.last else {
            Issue.record("no data: \(events)")
            return
        }
        let delivered = bytes.withUnsafeBufferPointer { $0.baseAddress }
        let original = packet[54...].withUnsafeBufferPointer { $0.baseAddress }
        #expect(delivered == original)
    }

    @Test("shuffled, duplicated and overlapping segments deliver both streams exactly", arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func shuffledStreams(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let upload = Self.randomBytes(30_000, &generator)
        let download = Self.randomBytes(20_000, &generator)
        let clientISN = UInt32.random(in: 0...UInt32.max, using: &generator)
        let serverISN = UInt32.random(in: 0...UInt32.max, using: &generator)
        var body =
            Self.cut(upload, first: clientISN &+ 1, from: Self.client, to: Self.server, maximum: 1460, &generator)
            + Self.cut(download, first: serverISN &+ 1, from: Self.server, to: Self.client, maximum: 1460, &generator)
        // Retransmissions re-cut at other boundaries: overlapping, identical content.
        for _ in 0..<60 {
            let (data, isn, src, dst) =
                Bool.random(using: &generator)
                ? (upload, clientISN, Self.client, Self.server) : (download, serverISN, Self.server, Self.client)
            let start = Int.random(in: 0..<data.count, using: &generator)
            let end = min(data.count, start + Int.random(in: 1...3000, using: &generator))
            body.append(Self.segment(src, dst, seq: isn &+ 1 &+ UInt32(start), Array(data[start..<end])))
        }
        body.append(Self.segment(seq: clientISN &+ 1 &+ UInt32(upload.count), flags: [.ack, .fin]))
        body.append(Self.segment(Self.server, Self.client, seq: serverISN &+ 1 &+ UInt32(download.count), flags: [.ack, .fin]))
        body.shuffle(using: &generator)
        let segments =
            [
                Self.segment(seq: clientISN, flags: [.syn]),
                Self.segment(Self.server, Self.client, seq: serverISN, flags: [.syn, .ack]),
            ] + body

        let reassembler = TCPReassembler()
        let recorder = StreamRecorder()
        run(reassembler, segments, recorder)
        #expect(recorder.problems.isEmpty, "\(recorder.problems)")
        #expect(recorder.bytes(1, .clientToServer) == upload)
        #expect(recorder.bytes(1, .serverToClient) == download)
        #expect(recorder.closed[1] == .fin)
        let stats = reassembler.statistics
        #expect(stats.gaps == 0)
        #expect(stats.conflictingBytes == 0)
        #expect(stats.duplicateBytes > 0)
        #expect(stats.bytesDelivered == upload.count + download.count)
        #expect(stats.bufferedBytes == 0)
    }

    @Test("overlaps that contradict delivered or buffered bytes keep the first copy and are counted")
    func conflictingOverlaps() {
        let reassembler = TCPReassembler()
        let recorder = StreamRecorder()
        let a = [UInt8](repeating: 0x61, count: 100)
        run(
            reassembler,
            [
                Self.segment(seq: 0, flags: [.syn]),
                Self.segment(seq: 1, a),  // delivered 0..<100
                Self.segment(seq: 51, [UInt8](repeating: 0x62, count: 100)),  // 50 conflict, 50 new
                Self.segment(seq: 301, [UInt8](repeating: 0x78, count: 100)),  // buffered 300..<400
                Self.segment(seq: 351, [UInt8](repeating: 0x79, count: 100)),  // 50 conflict with buffered, 50 new
                Self.segment(seq: 151, [UInt8](repeating: 0x7a, count: 150)),  // fills 150..<300
            ], recorder)
        let expected =
            a + [UInt8](repeating: 0x62, count: 50) + [UInt8](repeating: 0x7a, count: 150)
            + [UInt8](repeating: 0x78, count: 100) + [UInt8](repeating: 0x79, count: 50)
        #expect(recorder.bytes() == expected)
        #expect(reassembler.statistics.conflictingBytes == 100)
        #expect(reassembler.statistics.duplicateBytes == 100)
        #expect(recorder.closed[1] == .endOfCapture)
    }

    @Test("sequence numbers wrap around 2^32 without a hitch", arguments: [9, 10, 11] as [UInt64])
    func wraparound(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let data = Self.randomBytes(10_000, &generator)
        let isn: UInt32 = 0xffff_ffff - 3000
        var body = Self.cut(data, first: isn &+ 1, from: Self.client, to: Self.server, maximum: 700, &generator)
        body.shuffle(using: &generator)
        let reassembler = TCPReassembler()
        let recorder = StreamRecorder()
        run(reassembler, [Self.segment(seq: isn, flags: [.syn])] + body, recorder)
        #expect(recorder.bytes() == data)
        #expect(reassembler.statistics.gaps == 0)
    }

    @Test("under memory pressure holes are given up: buffering never exceeds the per-direction limit", arguments: [21, 22, 23] as [UInt64])
    func perDirectionLimit(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let data = Self.randomBytes(100_000, &generator)
        let all = Self.cut(data, first: 1, from: Self.client, to: Self.server, maximum: 800, &generator)
        // Lose some segments for good, reorder the rest within windows of 12.
        let lost = Set((0..<12).map { _ in Int.random(in: 1..<all.count, using: &generator) })
        var survivors = all.enumerated().filter { !lost.contains($0.offset) }.map(\.element)
        var index = 0
        while index < survivors.count {
            let end = min(index + 12, survivors.count)
            survivors[index..<end].shuffle(using: &generator)
            index = end
        }
        let segments = [Self.segment(seq: 0, flags: [.syn])] + survivors

        var limits = TCPReassemblyLimits()
        limits.maximumBufferedBytesPerDirection = 4096
        let reassembler = TCPReassembler(limits: limits)
        let recorder = StreamRecorder()
        var peak = 0
        for segment in segments {
            reassembler.process(segment, recorder.record)
            peak = max(peak, reassembler.statistics.bufferedBytes)
        }
        reassembler.finish(recorder.record)
        #expect(recorder.problems.isEmpty, "\(recorder.problems)")
        let stats = reassembler.statistics
        #expect(peak <= 4096)
        #expect(stats.peakBufferedBytesPerDirection <= 4096)
        #expect(stats.peakBufferedBytes <= 4096)
        #expect(stats.gaps > 0)
        // Every byte is accounted for, in place: delivered bytes match, gaps stand for the rest.
        let stream = recorder.stream()
        #expect(stream.count <= data.count)
        #expect(stream.compactMap { $0 }.count == stats.bytesDelivered)
        #expect(stream.filter { $0 == nil }.count == stats.gapBytes)
        let mismatch = stream.indices.first { stream[$0] != nil && stream[$0] != data[$0] }
        #expect(mismatch == nil)
        // Every lost segment's bytes are inside a gap.
        for index in lost.sorted() {
            let start = Int(all[index].seq) - 1
            let end = min(start + all[index].payload.count, stream.count)
            if start < end {
                #expect(stream[start..<end].allSatisfy { $0 == nil }, "lost segment \(index) at \(start)")
            }
        }
    }

    @Test("the total limit gives up the oldest hole across connections")
    func totalLimit() {
        var limits = TCPReassemblyLimits()
        limits.maximumBufferedBytesTotal = 3000
        let reassembler = TCPReassembler(limits: limits)
        let recorder = StreamRecorder()
        var peak = 0
        let clients = (0..<3).map { Endpoint(address: IPAddress("10.0.1.\($0 + 1)")!, port: 40000) }
        for client in clients {
            reassembler.process(Self.segment(client, Self.server, seq: 0, flags: [.syn], at: 0), recorder.record)
        }
        // Each connection loses its first 500 bytes, then sends 500-byte segments in turn.
        for round in 1..<8 {
            for (index, client) in clients.enumerated() {
                let segment = Self.segment(
                    client, Self.server, seq: 1 + UInt32(round * 500), [UInt8](repeating: UInt8(index), count: 500),
                    at: Int64(round * 3 + index))
                reassembler.process(segment, recorder.record)
                peak = max(peak, reassembler.statistics.bufferedBytes)
            }
        }
        #expect(recorder.problems.isEmpty, "\(recorder.problems)")
        #expect(peak <= 3000)
        #expect(reassembler.statistics.peakBufferedBytes <= 3000)
        #expect(reassembler.statistics.holesGivenUp >= 1)
        // The first connection's hole is the oldest: it is the first given up.
        #expect(recorder.gapEvents.first.map { $0.0 } == 1)
        #expect(recorder.gapEvents.first.map { $0.2 } == 500)
    }

    @Test("without a SYN: the first seen sequence number starts the stream; known server ports, else the lower port, pick the server")
    func synlessStart() {
        let reassembler = TCPReassembler(serverPorts: [8883])
        let recorder = StreamRecorder()
        let device = Endpoint(address: IPAddress("2001:db8::10")!, port: 8883)
        let phone = Endpoint(address: IPAddress("2001:db8::20")!, port: 443)
        let a = Endpoint(address: IPAddress("10.1.1.1")!, port: 8080)
        let b = Endpoint(address: IPAddress("10.1.1.2")!, port: 51000)
        run(
            reassembler,
            [
                // 8883 is a known server port though 443 is lower.
                Self.segment(device, phone, seq: 7000, Array("later".utf8)),
                Self.segment(device, phone, seq: 6995, Array("early".utf8)),  // before the start: a duplicate
                Self.segment(phone, device, seq: 100, Array("hi".utf8)),
                // No known port: the lower port is the server.
                Self.segment(a, b, seq: 1, Array("from server".utf8)),
            ], recorder)
        #expect(recorder.connections[1]?.client == phone)
        #expect(recorder.connections[1]?.server == device)
        #expect(recorder.hadSYN[1] == false)
        #expect(recorder.bytes(1, .serverToClient) == Array("later".utf8))
        #expect(recorder.bytes(1, .clientToServer) == Array("hi".utf8))
        #expect(recorder.connections[2]?.server == a)
        #expect(recorder.bytes(2, .serverToClient) == Array("from server".utf8))
        #expect(reassembler.statistics.duplicateBytes == 5)
        #expect(recorder.connections[1]?.description == "[2001:db8::20]:443 -> [2001:db8::10]:8883")
    }

    @Test("a FIN waits for the data before it; an early FIN closes only once everything is delivered")
    func finAfterHole() {
        let reassembler = TCPReassembler()
        let recorder = StreamRecorder()
        let events = [
            Self.segment(seq: 0, flags: [.syn]),
            Self.segment(Self.server, Self.client, seq: 0, flags: [.syn, .ack]),
            Self.segment(seq: 1, Array("one ".utf8)),
            Self.segment(seq: 9, flags: [.ack, .fin], Array("three".utf8)),  // hole at 5..<9
            Self.segment(Self.server, Self.client, seq: 1, flags: [.ack, .fin]),
        ]
        run(reassembler, events, recorder, finish: false)
        #expect(recorder.closed[1] == nil)
        #expect(reassembler.statistics.bufferedBytes == 5)
        reassembler.process(Self.segment(seq: 5, Array("two ".utf8)), recorder.record)
        #expect(recorder.bytes() == Array("one two three".utf8))
        #expect(recorder.closed[1] == .fin)
        #expect(reassembler.statistics.bufferedBytes == 0)
    }

    @Test("RST delivers what is buffered (a gap for the hole) and closes")
    func resetFlushes() {
        let reassembler = TCPReassembler()
        let recorder = StreamRecorder()
        run(
            reassembler,
            [
                Self.segment(seq: 0, flags: [.syn]),
                Self.segment(seq: 1, Array("abc".utf8)),
                Self.segment(seq: 10, Array("xyz".utf8)),  // hole 4..<10
                Self.segment(Self.server, Self.client, seq: 77, flags: [.rst]),
                Self.segment(seq: 4, Array("defghi".utf8)),  // too late
            ], recorder, finish: false)
        #expect(recorder.closed[1] == .reset)
        #expect(recorder.stream().map { $0 ?? 0x2d } == Array("abc------xyz".utf8))
        #expect(reassembler.statistics.segmentsAfterClose == 1)
        guard case .closed? = recorder.events.last else {
            Issue.record("closed is not the last event")
            return
        }
    }

    @Test("idle connections close by capture time, buffered data flushed first")
    func idleEviction() {
        var limits = TCPReassemblyLimits()
        limits.idleTimeout = .seconds(60)
        let reassembler = TCPReassembler(limits: limits)
        let recorder = StreamRecorder()
        let other = Endpoint(address: IPAddress("10.0.0.9")!, port: 50001)
        reassembler.process(Self.segment(seq: 1, Array("a".utf8), at: 0), recorder.record)
        reassembler.process(Self.segment(seq: 3, Array("c".utf8), at: 1), recorder.record)
        for second in stride(from: 10, through: 120, by: 10) {
            reassembler.process(Self.segment(other, Self.server, seq: UInt32(second), Array("z".utf8), at: Int64(second)), recorder.record)
        }
        #expect(recorder.closed[1] == .idle)
        #expect(recorder.closed[2] == nil)
        #expect(recorder.stream(1).map { $0 ?? 0x2d } == Array("a-c".utf8))
        #expect(reassembler.statistics.idleEvictions == 1)
        // A segment on the evicted connection's ports starts a new connection.
        reassembler.process(Self.segment(seq: 4, Array("d".utf8), at: 121), recorder.record)
        #expect(recorder.connections[3]?.client == Self.client)
        #expect(recorder.hadSYN[3] == false)
    }

    @Test("finish flushes around holes as gaps and closes every connection in order")
    func finishFlushes() {
        let reassembler = TCPReassembler()
        let recorder = StreamRecorder()
        let second = Endpoint(address: IPAddress("10.0.0.3")!, port: 50002)
        run(
            reassembler,
            [
                Self.segment(seq: 0, flags: [.syn]),
                Self.segment(seq: 5, Array("fgh".utf8)),
                Self.segment(seq: 12, Array("mn".utf8)),
                Self.segment(second, Self.server, seq: 0, flags: [.syn]),
                Self.segment(second, Self.server, seq: 1, Array("x".utf8)),
            ], recorder)
        #expect(recorder.stream(1).map { $0 ?? 0x2d } == Array("----fgh----mn".utf8))
        #expect(recorder.closed == [1: .endOfCapture, 2: .endOfCapture])
        let closings = recorder.events.compactMap { event -> UInt64? in
            if case .closed(let connection, _) = event { return connection.id }
            return nil
        }
        #expect(closings == [1, 2])
        #expect(reassembler.statistics.gapBytes == 8)
        #expect(reassembler.connectionCount == 0)
    }

    @Test("segments cut by the snapshot length deliver what was captured and a gap for the rest, without buffering")
    func truncatedSegments() {
        let reassembler = TCPReassembler()
        let recorder = StreamRecorder()
        run(
            reassembler,
            [
                Self.segment(seq: 0, flags: [.syn]),
                Self.segment(seq: 1, Array("head".utf8), payloadLength: 10),
                Self.segment(seq: 21, Array("late".utf8), payloadLength: 8),  // out of order, cut too
                Self.segment(seq: 11, Array("0123456789".utf8)),
            ], recorder)
        #expect(recorder.stream().map { $0 ?? 0x2d } == Array("head------0123456789late----".utf8))
        #expect(reassembler.statistics.gapBytes == 10)
    }

    @Test("keep-alives are neither duplicates nor conflicts; far-away segments are ignored")
    func keepAliveAndWindow() {
        let reassembler = TCPReassembler()
        let recorder = StreamRecorder()
        run(
            reassembler,
            [
                Self.segment(seq: 0, flags: [.syn]),
                Self.segment(seq: 1, Array("abc".utf8)),
                Self.segment(seq: 3, [0]),  // keep-alive: one garbage byte at next - 1
                Self.segment(seq: 0x9000_0000, Array("bogus".utf8)),
                Self.segment(seq: 4, Array("d".utf8)),
            ], recorder)
        #expect(recorder.bytes() == Array("abcd".utf8))
        #expect(reassembler.statistics.keepAlives == 1)
        #expect(reassembler.statistics.duplicateBytes == 0)
        #expect(reassembler.statistics.conflictingBytes == 0)
        #expect(reassembler.statistics.outOfWindowSegments == 1)
    }

    @Test("a new SYN on the ports of a closed connection opens a new connection")
    func portReuse() {
        let reassembler = TCPReassembler()
        let recorder = StreamRecorder()
        run(
            reassembler,
            [
                Self.segment(seq: 0, flags: [.syn]),
                Self.segment(Self.server, Self.client, seq: 0, flags: [.syn, .ack]),
                Self.segment(seq: 1, flags: [.fin, .ack]),
                Self.segment(Self.server, Self.client, seq: 1, flags: [.fin, .ack]),
                Self.segment(seq: 2, flags: [.ack]),
                Self.segment(seq: 90_000, flags: [.syn]),
                Self.segment(seq: 90_001, Array("again".utf8)),
                // And a SYN with yet another ISN while that one is open: the old one ended unseen.
                Self.segment(seq: 500, flags: [.syn]),
                Self.segment(seq: 501, Array("third".utf8)),
            ], recorder)
        #expect(recorder.closed[1] == .fin)
        #expect(recorder.bytes(2) == Array("again".utf8))
        #expect(recorder.closed[2] == .idle)
        #expect(recorder.bytes(3) == Array("third".utf8))
        #expect(recorder.problems.isEmpty, "\(recorder.problems)")
    }

    @Test("a connection closed by FIN absorbs its last segments for a while, then is forgotten")
    func closedLinger() {
        let reassembler = TCPReassembler()
        let recorder = StreamRecorder()
        run(
            reassembler,
            [
                Self.segment(seq: 0, flags: [.syn], at: 0),
                Self.segment(Self.server, Self.client, seq: 0, flags: [.syn, .ack], at: 0),
                Self.segment(seq: 1, flags: [.fin, .ack], at: 1),
                Self.segment(Self.server, Self.client, seq: 1, flags: [.fin, .ack], at: 1),
                Self.segment(seq: 2, flags: [.ack], at: 2),  // the last ACK: absorbed
                Self.segment(Self.server, Self.client, seq: 1, flags: [.fin, .ack], at: 5),  // a retransmitted FIN: absorbed
                Self.segment(seq: 2, Array("late".utf8), at: 100),  // long after: a new connection
            ], recorder)
        #expect(reassembler.statistics.segmentsAfterClose == 2)
        #expect(recorder.closed[1] == .fin)
        #expect(recorder.hadSYN[2] == false)
        #expect(recorder.bytes(2) == Array("late".utf8))
    }

    @Test("the connection table is bounded: the least recently active connections are evicted")
    func connectionLimit() {
        var limits = TCPReassemblyLimits()
        limits.maximumConnections = 4
        let reassembler = TCPReassembler(limits: limits)
        let recorder = StreamRecorder()
        for index in 0..<10 {
            let client = Endpoint(address: IPAddress("10.0.2.\(index + 1)")!, port: 40000)
            reassembler.process(Self.segment(client, Self.server, seq: 1, Array("x".utf8), at: Int64(index)), recorder.record)
            #expect(reassembler.connectionCount <= 4)
        }
        #expect(reassembler.statistics.limitEvictions == 6)
        #expect(recorder.closed.values.allSatisfy { $0 == .evicted })
        #expect(recorder.closed.keys.sorted() == [1, 2, 3, 4, 5, 6])
    }
}

@Suite("TCP reassembly: remembered deliveries")
struct TCPReassemblyHistoryTests {
    @Test("a retransmission contradicting recently delivered bytes is counted as conflicting, byte by byte")
    func conflictsWithDelivered() {
        var generator = SeededGenerator(seed: 77)
        let data = TCPReassemblyTests.randomBytes(10_000, &generator)
        let reassembler = TCPReassembler()  // remembers 4 KiB per direction
        let recorder = StreamRecorder()
        reassembler.process(TCPReassemblyTests.segment(seq: 0, flags: [.syn]), recorder.record)
        for segment in TCPReassemblyTests.cut(
            data, first: 1, from: TCPReassemblyTests.client, to: TCPReassemblyTests.server, maximum: 1400, &generator)
        {
            reassembler.process(segment, recorder.record)
        }
        // The last 3000 bytes again, with 17 bytes changed: within the remembered 4 KiB.
        var altered = Array(data[7000...])
        for index in stride(from: 0, to: 17 * 100, by: 100) { altered[index] ^= 0xff }
        reassembler.process(TCPReassemblyTests.segment(seq: 7001, altered), recorder.record)
        #expect(reassembler.statistics.conflictingBytes == 17)
        #expect(reassembler.statistics.duplicateBytes == 3000)
        // Bytes older than the remembered window are duplicates that cannot be compared.
        var old = Array(data[0..<1000])
        old[5] ^= 0xff
        reassembler.process(TCPReassemblyTests.segment(seq: 1, old), recorder.record)
        #expect(reassembler.statistics.conflictingBytes == 17)
        #expect(reassembler.statistics.duplicateBytes == 4000)
        #expect(recorder.bytes() == data)
    }

    @Test("the memory for remembered bytes is bounded over all connections")
    func historyBudget() {
        var limits = TCPReassemblyLimits()
        limits.retainedDeliveredBytesPerDirection = 256
        limits.retainedDeliveredBytesTotal = 256
        let reassembler = TCPReassembler(limits: limits)
        let recorder = StreamRecorder()
        let other = Endpoint(address: IPAddress("10.0.0.7")!, port: 50007)
        let bytes = [UInt8](repeating: 1, count: 100)
        // Both connections deliver 100 bytes, then retransmit them changed: only the first has
        // memory to compare with.
        for client in [TCPReassemblyTests.client, other] {
            reassembler.process(TCPReassemblyTests.segment(client, TCPReassemblyTests.server, seq: 1, bytes), recorder.record)
        }
        for client in [TCPReassemblyTests.client, other] {
            reassembler.process(
                TCPReassemblyTests.segment(client, TCPReassemblyTests.server, seq: 1, [UInt8](repeating: 2, count: 100)),
                recorder.record)
        }
        #expect(reassembler.statistics.conflictingBytes == 100)
        #expect(reassembler.statistics.duplicateBytes == 200)
    }
}
