import CMTuneTestSupport
import Capture
import CaptureTestSupport
import Glibc
import Testing

@Suite("rotating pcap writer (capture -w with --rotate-size, --rotate-every, --keep-files)")
struct RotatingPcapWriterTests {
    static func size(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : -1
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Packets of varied lengths, enough for several files.
    static func manyPackets() -> [CapturedPacket] {
        PcapFileTests.samplePackets(count: 300)
    }

    @Test("numbers go before the extension; a name without one, or with dots in its directory, still reads well")
    func names() {
        #expect(RotatingPcapWriter.fileName("/tmp/cm.pcap", number: 1) == "/tmp/cm.000001.pcap")
        #expect(RotatingPcapWriter.fileName("cm", number: 42) == "cm.000042")
        #expect(RotatingPcapWriter.fileName("/a.b/cm", number: 7) == "/a.b/cm.000007")
        #expect(RotatingPcapWriter.fileName("/a.b/.hidden", number: 7) == "/a.b/.hidden.000007")
        #expect(RotatingPcapWriter.fileName("x.pcap", number: 1_234_567) == "x.1234567.pcap")
    }

    @Test("by size: no file passes the size, every packet is written once and in order, tshark reads every file")
    func bySize() throws {
        let directory = PcapScratchDirectory()
        let packets = Self.manyPackets()
        let limit = 4096
        let writer = try RotatingPcapWriter(
            path: directory.file("cm.pcap"), linkType: LinkType.ethernet, policy: .init(maximumBytes: limit))
        for packet in packets { try writer.write(packet) }
        try writer.close()
        try writer.close()  // harmless
        #expect(writer.files.count > 3, "the trace should need several files")
        #expect(writer.files == (1...writer.files.count).map { RotatingPcapWriter.fileName(directory.file("cm.pcap"), number: $0) })
        #expect(!Self.exists(directory.file("cm.pcap")))
        var read: [CapturedPacket] = []
        for file in writer.files {
            let size = Self.size(file)
            // A file passes the limit only when its one packet is larger.
            let inFile = try PcapFileTests.readAll(file)
            #expect(size <= limit || inFile.count == 1, "\(file): \(size) bytes")
            #expect(try PcapFileTests.tsharkFrames(file).count == inFile.count)
            read += inFile
        }
        #expect(read == packets)
        #expect(writer.packetsWritten == packets.count && writer.deletedFiles == 0)
    }

    @Test("a packet larger than the size gets a file of its own; the next packet starts another")
    func oversizedPacket() throws {
        let directory = PcapScratchDirectory()
        let small = Frames.ethernetTCP(seq: 1, Array("a".utf8))
        let large = Frames.ethernetTCP(seq: 2, Array(repeating: 0x41, count: 3000))
        let writer = try RotatingPcapWriter(path: directory.file("big.pcap"), linkType: LinkType.ethernet, policy: .init(maximumBytes: 1024))
        let time = CaptureTimestamp(seconds: 1_700_000_000, nanoseconds: 0)
        for data in [small, large, small] {
            try writer.write(CapturedPacket(timestamp: time, linkType: LinkType.ethernet, originalLength: data.count, data: data))
        }
        try writer.close()
        #expect(try writer.files.map { try PcapFileTests.readAll($0).map(\.data) } == [[small], [large], [small]])
    }

    @Test("--keep-files: only the newest files stay, and they hold the capture's last packets")
    func keepsNewest() throws {
        let directory = PcapScratchDirectory()
        let packets = Self.manyPackets()
        let writer = try RotatingPcapWriter(
            path: directory.file("ring.pcap"), linkType: LinkType.ethernet, policy: .init(maximumBytes: 1024, keep: 3))
        for packet in packets { try writer.write(packet) }
        try writer.close()
        #expect(writer.files.count == 3)
        try #require(writer.deletedFiles > 0)
        let total = writer.files.count + writer.deletedFiles
        #expect(writer.files == ((total - 2)...total).map { RotatingPcapWriter.fileName(directory.file("ring.pcap"), number: $0) })
        for number in 1...writer.deletedFiles {
            #expect(!Self.exists(RotatingPcapWriter.fileName(directory.file("ring.pcap"), number: number)))
        }
        let kept = try writer.files.flatMap { try PcapFileTests.readAll($0) }
        #expect(!kept.isEmpty && Array(packets.suffix(kept.count)) == kept)
    }

    @Test("by capture time: a file ends at the first packet an interval after its first")
    func byInterval() throws {
        let directory = PcapScratchDirectory()
        let data = Frames.ethernetTCP(seq: 1, Array("tick".utf8))
        // One packet every 0.4 s for 4 s, files of 1 s: packets at 0, 0.4, 0.8 | 1.2, 1.6, 2.0 | ...
        let packets = (0..<10).map { (index: Int) -> CapturedPacket in
            let tenths = index * 4
            let time = CaptureTimestamp(seconds: 1_700_000_000 + Int64(tenths / 10), nanoseconds: Int32(tenths % 10 * 100_000_000))
            return CapturedPacket(timestamp: time, linkType: LinkType.ethernet, originalLength: data.count, data: data)
        }
        let writer = try RotatingPcapWriter(path: directory.file("t.pcap"), linkType: LinkType.ethernet, policy: .init(interval: 1))
        for packet in packets { try writer.write(packet) }
        try writer.close()
        #expect(try writer.files.map { try PcapFileTests.readAll($0).count } == [3, 3, 3, 1])
    }

    @Test("without a size or interval it writes the one file named, as PcapWriter does")
    func single() throws {
        let directory = PcapScratchDirectory()
        let packets = PcapFileTests.samplePackets()
        let writer = try RotatingPcapWriter(path: directory.file("one.pcap"), linkType: LinkType.ethernet)
        for packet in packets { try writer.write(packet) }
        try writer.close()
        #expect(writer.files == [directory.file("one.pcap")])
        #expect(try PcapFileTests.readAll(directory.file("one.pcap")) == packets)
    }

    @Test("refusals are one clear error each: standard output, keeping without rotating, a size with no room, a directory that is not there")
    func refusals() {
        let directory = PcapScratchDirectory()
        func refused(_ path: String, _ policy: RotatingPcapWriter.Policy, _ kind: CaptureError.Kind, _ words: String) {
            #expect {
                _ = try RotatingPcapWriter(path: path, linkType: LinkType.ethernet, policy: policy)
            } throws: { error in
                guard let error = error as? CaptureError else { return false }
                return error.kind == kind && error.message.contains(words) && !error.message.contains("\n")
            }
        }
        refused("-", .init(maximumBytes: 1 << 20), .invalidArgument, "standard output")
        refused(directory.file("a.pcap"), .init(keep: 2), .invalidArgument, "needs a size or an interval")
        refused(directory.file("a.pcap"), .init(maximumBytes: 30), .invalidArgument, "room for its header")
        refused(directory.file("a.pcap"), .init(interval: 0), .invalidArgument, "positive")
        refused(directory.file("a.pcap"), .init(maximumBytes: 1 << 20, keep: 0), .invalidArgument, "keep 1 or more")
        refused("/nonexistent-dir/a.pcap", .init(maximumBytes: 1 << 20), .writeFailed, "/nonexistent-dir/a.000001.pcap")
    }
}
