import Capture
import CaptureTestSupport
import Decode
import Foundation
import Glibc
import NIOCore
import Testing
import Wire

/// A decode on several threads must write exactly what a decode on one writes: the same lines,
/// in the same order, whatever the number of threads and however the rounds cut the capture.
@Suite("Sharded decode")
struct ShardedDecodeTests {
    /// The lines of a decode on the calling thread, as `cmtune decode --threads 1` writes them.
    static func singleThreaded(_ packets: [CapturedPacket], _ format: EventLineWriter.Format, filter: DecodeFilter = DecodeFilter()) -> [UInt8] {
        var lines = JSONLineBuilder()
        let writer = EventLineWriter(format: format)
        let pipeline = DecodePipeline(options: .init(collectStatistics: false, filter: filter)) { writer.write($0, into: &lines) }
        writer.nameClients { [unowned pipeline] in pipeline.client(of: $0) }
        if let first = packets.first { writer.startClock(at: first.timestamp) }
        for packet in packets { pipeline.process(packet) }
        pipeline.finish()
        return lines.bytes
    }

    /// The lines of a sharded decode, written through an output stream to a file and read back.
    static func sharded(
        _ packets: [CapturedPacket], _ format: EventLineWriter.Format, threads: Int, roundPackets: Int, filter: DecodeFilter = DecodeFilter()
    ) throws -> [UInt8] {
        var template = Array("/tmp/cmtune-sharded-XXXXXX".utf8CString)
        let descriptor = mkstemp(&template)
        try #require(descriptor >= 0)
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer {
            close(descriptor)
            unlink(path)
        }
        do {
            let output = Decode.OutputStream(descriptor: descriptor)
            let decode = ShardedDecode(
                options: .init(collectStatistics: false, filter: filter), format: format, threads: threads, output: output, roundPackets: roundPackets)
            for packet in packets { decode.process(packet) }
            decode.finish()
            output.flush()
        }
        let size = Int(lseek(descriptor, 0, SEEK_END))
        var bytes = [UInt8](repeating: 0, count: size)
        let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, size, 0) }
        try #require(read == size)
        return bytes
    }

    /// The first line where `lines` and `expected` differ, both shown; nil when they are equal.
    static func firstDifference(_ lines: [UInt8], _ expected: [UInt8]) -> String? {
        guard lines != expected else { return nil }
        let got = String(decoding: lines, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let want = String(decoding: expected, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let index = (0..<min(got.count, want.count)).first { got[$0] != want[$0] } ?? min(got.count, want.count)
        let shown = { (lines: [Substring]) in index < lines.count ? String(lines[index]) : "(no line)" }
        return "line \(index + 1) of \(want.count): got \(shown(got)), expected \(shown(want))"
    }

    /// Twelve MQTT sessions of both versions at once, their packets interleaved in time order,
    /// with what makes a decode's state: a hole in one stream, a hostile length in another,
    /// a request left unanswered, a capture that starts after a CONNECT.
    static let busyCapture: [CapturedPacket] = {
        var packets: [CapturedPacket] = []
        for index in 0..<12 {
            let version: MQTTVersion = index % 2 == 0 ? .v3_1_1 : .v5
            var conversation = ConversationBuilder(version: version, clientPort: 50_000 + index, handshake: index != 7, segmentSize: 300 + 97 * index)
            for (step, body) in DecodePipelineTests.sessionBodies(version).enumerated() {
                if index == 7 && step == 0 { continue }
                if index == 9 && step == 6 { continue }  // a PUBACK never sent
                conversation.wait(milliseconds: body.waitBefore + index)
                conversation.send(body.body, fromClient: body.fromClient)
                if index == 4 && step == 3 { conversation.sendRaw([0x30, 0xff, 0xff, 0xff, 0x7f], fromClient: true) }
            }
            conversation.finish()
            var own = conversation.packets
            if index == 5 { own.remove(at: own.count / 2) }
            packets += own
        }
        return packets.enumerated().sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }.map(\.element)
    }()

    static let fixtures = [PcapFixtures.zeekMQTT, PcapFixtures.webSocketCMP, PcapFixtures.webSocketMQTT]

    @Test("the same lines as one thread, in the same order", arguments: [EventLineWriter.Format.json, .text])
    func sameLines(format: EventLineWriter.Format) throws {
        var captures = [("twelve sessions", Self.busyCapture)]
        for path in Self.fixtures { captures.append((path, try PcapFixtures.readAll(path))) }
        for (name, packets) in captures {
            let expected = Self.singleThreaded(packets, format)
            #expect(expected.count > 1000, "\(name): too little output to compare")
            for threads in [1, 2, 3, 5] {
                for roundPackets in [1, 3, 2048] {
                    let lines = try Self.sharded(packets, format, threads: threads, roundPackets: roundPackets)
                    #expect(Self.firstDifference(lines, expected) == nil, "\(name), \(threads) threads, rounds of \(roundPackets) packets")
                }
            }
        }
    }

    @Test("filters keep the same lines as on one thread")
    func filtered() throws {
        let filters = [
            DecodeFilter(clients: ["sensor-*"], types: ["PUBLISH", "PUBACK", "UNANSWERED", "GAP"]),
            DecodeFilter(topics: [try MQTTTopicFilter(validating: "t/+")]),
        ]
        for filter in filters {
            let expected = Self.singleThreaded(Self.busyCapture, .json, filter: filter)
            #expect(expected.count > 500)
            let lines = try Self.sharded(Self.busyCapture, .json, threads: 3, roundPackets: 5, filter: filter)
            #expect(Self.firstDifference(lines, expected) == nil)
        }
    }

    @Test("the busy capture holds what the comparison is about")
    func busyCaptureHasItsEvents() {
        let events = decode(Self.busyCapture, options: .init(collectStatistics: false))
        let kinds = Set(events.map(\.typeName))
        for kind in ["CONNECT", "PUBLISH", "PUBACK", "PUBCOMP", "GAP", "DECODE_ERROR", "UNANSWERED"] {
            #expect(kinds.contains(kind), "no \(kind)")
        }
        #expect(Set(events.map(\.connection.id)).count == 12)
    }

    @Test("flush writes the lines of every packet processed so far, as one thread has emitted them (a live capture)")
    func flushShowsLinesSoFar() throws {
        let packets = Self.busyCapture
        var template = Array("/tmp/cmtune-flush-XXXXXX".utf8CString)
        let descriptor = mkstemp(&template)
        try #require(descriptor >= 0)
        defer {
            close(descriptor)
            unlink(String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        let output = Decode.OutputStream(descriptor: descriptor)
        let decode = ShardedDecode(options: .init(collectStatistics: false), format: .json, threads: 2, output: output, roundPackets: 4096)
        var lines = JSONLineBuilder()
        var emitted = 0
        let writer = EventLineWriter(format: .json)
        let pipeline = DecodePipeline(options: .init(collectStatistics: false)) {
            writer.write($0, into: &lines)
            emitted += 1
        }
        writer.nameClients { [unowned pipeline] in pipeline.client(of: $0) }
        var processed = 0
        for cut in [1, 9, packets.count / 2, packets.count - 1] {
            for packet in packets[processed..<cut] {
                decode.process(packet)
                pipeline.process(packet)
            }
            processed = cut
            decode.flush()
            output.flush()
            let size = Int(lseek(descriptor, 0, SEEK_END))
            var written = [UInt8](repeating: 0, count: size)
            _ = written.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, size, 0) }
            #expect(Self.firstDifference(written, lines.bytes) == nil, "after \(cut) packets")
            // Every event decoded so far has its line out, not only some prefix of them.
            #expect(written.count(where: { $0 == UInt8(ascii: "\n") }) == emitted, "after \(cut) packets")
        }
        // The comparisons were not of two empty outputs: the capture's messages were written.
        #expect(emitted > 0)
        decode.finish()
    }

    @Test(
        "the decoding threads run under SCHED_BATCH, so waking for a round does not preempt the reading thread",
        .timeLimit(.minutes(1)))
    func decodingThreadsAreBatch() throws {
        let null = open("/dev/null", O_WRONLY)
        try #require(null >= 0)
        defer { close(null) }
        let output = Decode.OutputStream(descriptor: null)
        let decode = ShardedDecode(options: .init(collectStatistics: false), format: .json, threads: 3, output: output)
        defer { decode.finish() }
        // Each thread names itself as it starts, after setting its policy; only these threads are
        // looked at (other tests' decodes run in this process at the same time).
        var threads = decode.decodingThreadIDs
        while threads.count < 3 {
            sched_yield()
            threads = decode.decodingThreadIDs
        }
        #expect(threads.map { Self.policy(of: "\($0)") } == [3, 3, 3], "the decode's threads \(threads)")
        // The thread that made the decode (it reads packets) keeps its policy.
        #expect(Self.policy(ofFile: "/proc/thread-self/stat") != 3)
    }

    /// Field 41 of /proc/self/task/TID/stat (after the parenthesised command name, field 3 on).
    static func policy(of thread: String) -> Int? {
        policy(ofFile: "/proc/self/task/\(thread)/stat")
    }

    static func policy(ofFile path: String) -> Int? {
        guard let line = try? String(contentsOfFile: path, encoding: .utf8),
            let close = line.lastIndex(of: ")")
        else { return nil }
        let fields = line[line.index(after: close)...].split(separator: " ")
        return fields.count > 38 ? Int(fields[38]) : nil
    }

    @Test("an empty capture writes nothing and ends its threads")
    func empty() throws {
        #expect(try Self.sharded([], .json, threads: 4, roundPackets: 1).isEmpty)
    }
}
