import CMTuneTestSupport
import Capture
import CaptureTestSupport
import Glibc
import Testing

/// A directory under /tmp removed when the value goes away.
final class PcapScratchDirectory {
    let path: String

    init() {
        var template = Array("/tmp/cmtune-pcap-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed: errno \(errno)")
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        _ = try? runCommand(["rm", "-rf", path])
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let path = file(name)
        let handle = fopen(path, "wb")!
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
        fclose(handle)
        return path
    }
}

@Suite("pcap files")
struct PcapFileTests {
    static func readAll(_ path: String) throws(CaptureError) -> [CapturedPacket] {
        try PcapFixtures.readAll(path)
    }

    /// tshark's view of a file: one line per packet, epoch time with nanoseconds, frame lengths.
    static func tsharkFrames(_ path: String) throws -> [(time: String, length: Int, captured: Int)] {
        let output = try runChecked(["tshark", "-r", path, "-T", "fields", "-e", "frame.time_epoch", "-e", "frame.len", "-e", "frame.cap_len"])
        return output.split(separator: "\n").map { line in
            let fields = line.split(separator: "\t")
            return (String(fields[0]), Int(fields[1]) ?? -1, Int(fields[2]) ?? -1)
        }
    }

    static func samplePackets(linkType: Int32 = LinkType.ethernet, count: Int = 40) -> [CapturedPacket] {
        (0..<count).map { index in
            let payload = Array("packet \(index)".utf8)
            let data: [UInt8]
            switch linkType {
            case LinkType.linuxSLL: data = Frames.sll(0x0800, Frames.ipv4(Frames.tcp(seq: UInt32(index), payload)))
            case LinkType.linuxSLL2: data = Frames.sll2(0x0800, Frames.ipv4(Frames.tcp(seq: UInt32(index), payload)))
            case LinkType.null, LinkType.loop: data = Frames.le32(2) + Frames.ipv4(Frames.tcp(seq: UInt32(index), payload))
            case LinkType.raw: data = Frames.ipv4(Frames.tcp(seq: UInt32(index), payload))
            default: data = Frames.ethernetTCP(seq: UInt32(index), payload)
            }
            return CapturedPacket(
                timestamp: CaptureTimestamp(seconds: 1_700_000_000 + Int64(index), nanoseconds: Int32(index * 7_654_321 % 1_000_000_000)),
                linkType: linkType, originalLength: data.count + (index % 5 == 0 ? 100 : 0), data: data)
        }
    }

    @Test("PcapWriter's file reads back identically, to the nanosecond, with PcapFileReader and tshark")
    func roundTrip() throws {
        let directory = PcapScratchDirectory()
        let path = directory.file("round-trip.pcap")
        let packets = Self.samplePackets()
        let writer = try PcapWriter(path: path, linkType: LinkType.ethernet)
        for packet in packets { try writer.write(packet) }
        try writer.close()
        try writer.close()  // harmless
        #expect(writer.packetsWritten == packets.count)

        let reader = try PcapFileReader(path: path)
        #expect(reader.linkType == LinkType.ethernet)
        #expect(reader.snapshotLength == 262_144)
        var read: [CapturedPacket] = []
        while let packet = try reader.next() { read.append(packet) }
        #expect(read == packets)
        #expect(try reader.next() == nil)  // stays at the end

        let frames = try Self.tsharkFrames(path)
        #expect(frames.count == packets.count)
        #expect(frames.map(\.time) == packets.map(\.timestamp.description))
        #expect(frames.map(\.length) == packets.map(\.originalLength))
        #expect(frames.map(\.captured) == packets.map(\.capturedLength))
    }

    @Test(
        "every link type the parser knows round-trips through a file tshark reads",
        arguments: [LinkType.ethernet, LinkType.linuxSLL, LinkType.linuxSLL2, LinkType.null, LinkType.loop, LinkType.raw])
    func linkTypesRoundTrip(linkType: Int32) throws {
        let directory = PcapScratchDirectory()
        let path = directory.file("link.pcap")
        let packets = Self.samplePackets(linkType: linkType, count: 5)
        let writer = try PcapWriter(path: path, linkType: linkType)
        for packet in packets { try writer.write(packet) }
        try writer.close()
        let read = try Self.readAll(path)
        #expect(read.map(\.data) == packets.map(\.data))
        #expect(read.allSatisfy { $0.linkType == linkType })
        var parser = PacketParser()
        let segments = read.compactMap { packet -> TCPSegment? in
            if case .tcp(let segment) = parser.parse(packet) { return segment }
            return nil
        }
        #expect(segments.map(\.seq) == [0, 1, 2, 3, 4])
        #expect(try Self.tsharkFrames(path).count == 5)
    }

    @Test("a microsecond file keeps microseconds; the snapshot length cuts what is written")
    func microsecondsAndSnaplen() throws {
        let directory = PcapScratchDirectory()
        let path = directory.file("micro.pcap")
        let writer = try PcapWriter(path: path, linkType: LinkType.ethernet, snapshotLength: 60, nanosecondPrecision: false)
        let data = Frames.ethernetTCP(Array(repeating: 7, count: 200))
        try writer.write(data, timestamp: CaptureTimestamp(seconds: 1_600_000_000, nanoseconds: 123_456_789))
        try writer.close()
        let packets = try Self.readAll(path)
        #expect(packets.count == 1)
        #expect(packets[0].timestamp == CaptureTimestamp(seconds: 1_600_000_000, nanoseconds: 123_456_000))
        #expect(packets[0].capturedLength == 60)
        #expect(packets[0].originalLength == data.count)
        #expect(packets[0].isTruncated)
        #expect(try Self.tsharkFrames(path).first?.time == "1600000000.123456000")
    }

    @Test("the writer refuses a packet of another link type, and a link type without a file equivalent")
    func writerRefusals() throws {
        let directory = PcapScratchDirectory()
        let writer = try PcapWriter(path: directory.file("a.pcap"), linkType: LinkType.ethernet)
        #expect {
            try writer.write(Self.samplePackets(linkType: LinkType.linuxSLL, count: 1)[0])
        } throws: { ($0 as? CaptureError)?.kind == .invalidArgument }
        #expect {
            _ = try PcapWriter(path: directory.file("b.pcap"), linkType: LinkType.rawOpenBSD)
        } throws: { ($0 as? CaptureError)?.kind == .invalidArgument }
        #expect {
            _ = try PcapWriter(path: "/nonexistent-dir/c.pcap", linkType: LinkType.ethernet)
        } throws: { error in
            guard let error = error as? CaptureError else { return false }
            return error.kind == .writeFailed && error.errno == ENOENT && error.message.contains("/nonexistent-dir/c.pcap")
        }
    }

    @Test("Zeek's MQTT trace: tshark's packet count, and the MQTT CONNECTs in the reassembled streams")
    func zeekMQTT() throws {
        let packets = try Self.readAll(PcapFixtures.zeekMQTT)
        let tsharkCount = try runChecked(["tshark", "-r", PcapFixtures.zeekMQTT]).split(separator: "\n").count
        #expect(packets.count == tsharkCount)
        #expect(try Self.tsharkFrames(PcapFixtures.zeekMQTT).map(\.time) == packets.map(\.timestamp.description))

        var parser = PacketParser()
        let reassembler = TCPReassembler(serverPorts: [1883])
        let recorder = StreamRecorder()
        for packet in packets {
            if case .tcp(let segment) = parser.parse(packet) { reassembler.process(segment, recorder.record) }
        }
        reassembler.finish(recorder.record)
        #expect(recorder.problems.isEmpty)
        #expect(parser.statistics.malformedTotal == 0)
        let servers = Set(recorder.connections.values.map { $0.server.description })
        #expect(servers == ["198.41.30.241:1883"])
        let upstream = recorder.connections.keys.sorted().map { id in
            String(decoding: recorder.stream(id, .clientToServer).map { $0 ?? 0 }, as: UTF8.self)
        }
        // Zeek's mqtt_connect.log lists these two client ids, both MQIsdp 3.1.
        for clientID in ["paho/34AAE54A75D839566E", "paho/DDE4DDAF4108D3E363"] {
            #expect(upstream.contains { $0.contains("MQIsdp") && $0.contains(clientID) }, "\(clientID)")
        }
    }

    @Test("pcapng (converted by editcap) reads the same packets as the pcap")
    func pcapng() throws {
        let directory = PcapScratchDirectory()
        let path = directory.file("mqtt.pcapng")
        try runChecked(["editcap", "-F", "pcapng", PcapFixtures.zeekMQTT, path])
        let fromPcapng = try Self.readAll(path)
        let fromPcap = try Self.readAll(PcapFixtures.zeekMQTT)
        #expect(fromPcapng == fromPcap)
        #expect(try PcapFileReader(path: path).linkType == LinkType.ethernet)
    }

    // MARK: Damaged files

    @Test("a file with a bad magic number is not a capture file, and the error says so")
    func badMagic() {
        let directory = PcapScratchDirectory()
        let path = directory.write("notes.pcap", Array("hello, this is text\n".utf8) + Array(repeating: 0, count: 40))
        do {
            _ = try PcapFileReader(path: path)
            Issue.record("opened a text file")
        } catch {
            #expect(error.kind == .notACaptureFile)
            #expect(error.file == path)
            #expect(error.message.contains(path))
            #expect(error.message.contains("bad magic number"))
            #expect(error.message.contains("68 65 6c 6c"))
            #expect(error.libpcapMessage?.isEmpty == false)
        }
    }

    @Test("a record cut in the middle: the packets before it, then a typed error naming the record")
    func cutRecord() throws {
        let directory = PcapScratchDirectory()
        let frame = Frames.ethernetTCP(Array(repeating: 1, count: 100))
        let whole =
            PcapFixtures.fileHeader()
            + PcapFixtures.record(seconds: 1, microseconds: 0, frame) + PcapFixtures.record(seconds: 2, microseconds: 0, frame)
            + PcapFixtures.record(seconds: 3, microseconds: 0, frame)
        let path = directory.write("cut.pcap", Array(whole.dropLast(50)))
        let reader = try PcapFileReader(path: path)
        #expect(try reader.next() != nil)
        #expect(try reader.next() != nil)
        do {
            _ = try reader.next()
            Issue.record("read a cut record")
        } catch {
            #expect(error.kind == .truncated)
            #expect(error.message.contains("packet record 3"))
            #expect(error.message.contains(path))
            #expect(error.libpcapMessage?.contains("truncated") == true)
        }
        #expect(try reader.next() == nil)  // after the error, nothing more

        // A file cut inside a record header, and one cut inside the file header.
        let headerCut = directory.write("header-cut.pcap", Array(whole.prefix(24 + 16 + frame.count + 7)))
        #expect { _ = try Self.readAll(headerCut) } throws: { ($0 as? CaptureError)?.kind == .truncated }
        let fileHeaderCut = directory.write("file-header-cut.pcap", Array(whole.prefix(10)))
        #expect { _ = try Self.readAll(fileHeaderCut) } throws: { ($0 as? CaptureError)?.kind == .truncated }
        let empty = directory.write("empty.pcap", [])
        #expect { _ = try Self.readAll(empty) } throws: { ($0 as? CaptureError)?.kind == .truncated }
    }

    @Test("an absurd captured length is a typed corruption error, not a crash or a huge allocation")
    func absurdLength() throws {
        let directory = PcapScratchDirectory()
        let frame = Frames.ethernetTCP([1, 2, 3])
        let bytes =
            PcapFixtures.fileHeader() + PcapFixtures.record(seconds: 1, microseconds: 0, frame)
            + PcapFixtures.record(seconds: 2, microseconds: 0, caplen: 0x7fff_fff0, frame)
        let path = directory.write("absurd.pcap", bytes)
        let reader = try PcapFileReader(path: path)
        #expect(try reader.next()?.data == frame)
        do {
            _ = try reader.next()
            Issue.record("read an absurd record")
        } catch {
            #expect(error.kind == .corrupt)
            #expect(error.message.contains("packet record 2"))
            #expect(error.message.contains("impossible length"))
        }
    }

    @Test("a missing file is a typed error with errno")
    func missingFile() {
        do {
            _ = try PcapFileReader(path: "/nonexistent/capture.pcap")
            Issue.record("opened a missing file")
        } catch {
            #expect(error.kind == .cannotOpen)
            #expect(error.errno == ENOENT)
            #expect(error.description.contains("/nonexistent/capture.pcap"))
        }
    }
}
