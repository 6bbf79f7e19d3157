import Capture
import CaptureTestSupport
import Decode
import Foundation
import Testing

/// `decode` must survive any bytes: a damaged file is read up to the damage, a hostile stream is
/// reported and skipped, and nothing traps. Each case here mutates a seed capture (seeded, so a
/// failing case can be replayed), writes it to a file and decodes it as `cmtune decode` does,
/// through every output: JSON lines, text lines and the statistics. A trap ends the test run, so
/// a pass means that none of the cases trapped. (Found this way: a record whose fraction of a
/// second was over a second overflowed a latency; a capture going back in time crashed the text.)
@Suite("Mutated captures")
struct MutatedCaptureTests {
    static let casesPerBatch = 100

    /// Sequences a hostile peer might send: MQTT lengths over four bytes or at 256 MB, a
    /// non-minimal length, a property block longer than its packet, a CONNECT announcing MQTT 5
    /// with a huge property length; WebSocket frames the CM's decoder refuses.
    static let hostile: [[UInt8]] = [
        [0x30, 0xFF, 0xFF, 0xFF, 0x7F], [0x30, 0x80, 0x80, 0x80, 0x80, 0x01], [0x10, 0x80, 0x00],
        [0x30, 0x10, 0x00, 0x00] + [UInt8](repeating: 0x26, count: 14), [0xE0, 0x05, 0x00, 0x03, 0x26, 0x00, 0x00],
        [0x10, 0x20, 0x00, 0x04] + Array("MQTT".utf8) + [0x05, 0x02, 0x00, 0x3C, 0xFF, 0xFF, 0xFF, 0x7F],
        // WebSocket: a 2^63-byte frame, a fragmented CLOSE, a 200-byte PING, a second handshake.
        [0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4], [0x08, 0x02, 0x03, 0xE8],
        [0x89, 0x7E, 0x00, 0xC8] + [UInt8](repeating: 0x41, count: 200), Array("HTTP/1.1 101 Switching Protocols\r\n\r\n".utf8),
    ]

    static func mutate(_ bytes: inout [UInt8], _ generator: inout SeededGenerator) {
        let body = 24..<bytes.count  // past the file header, which is tested on its own
        switch Int.random(in: 0..<4, using: &generator) {
        case 0:  // bytes anywhere: record headers and packet contents alike
            for _ in 0..<Int.random(in: 1...30, using: &generator) {
                bytes[Int.random(in: body, using: &generator)] = .random(in: 0...255, using: &generator)
            }
        case 1:  // a 32-bit field set to an extreme (lengths, times)
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let at = Int.random(in: 24..<(bytes.count - 4), using: &generator)
                let value = [0, 1, 0x7F, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x1000_0000].randomElement(using: &generator)!
                for shift in 0..<4 { bytes[at + shift] = UInt8(truncatingIfNeeded: UInt32(value) >> (8 * shift)) }
            }
        case 2:  // a hostile MQTT sequence written over packet bytes
            let sequence = hostile.randomElement(using: &generator)!
            let at = Int.random(in: 24..<(bytes.count - sequence.count), using: &generator)
            bytes.replaceSubrange(at..<(at + sequence.count), with: sequence)
        default:  // cut anywhere
            bytes.removeLast(Int.random(in: 1..<(bytes.count - 24), using: &generator))
        }
    }

    /// The seeds: the Zeek MQTT capture, and CMP and MQTT inside WebSocket (Fixtures/websocket).
    static let seeds = [PcapFixtures.zeekMQTT, PcapFixtures.webSocketCMP, PcapFixtures.webSocketMQTT]

    @Test("mutated captures are read to their end or to a typed error, through every output", arguments: 0..<7)
    func mutated(batch: Int) throws {
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.seeds[batch < 5 ? 0 : batch - 4])))
        var generator = SeededGenerator(seed: 0xC0FFEE + UInt64(batch))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cmtune-mutated-\(getpid())-\(batch)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var messages = 0
        var unreadable = 0
        for index in 0..<Self.casesPerBatch {
            var bytes = original
            Self.mutate(&bytes, &generator)
            let path = directory.appendingPathComponent("case-\(index).pcap").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))

            var json = JSONLineBuilder()
            var text = EventText()
            let cache = EventJSON.Cache()
            var lines = 0
            let pipeline = DecodePipeline { event in
                EventJSON.write(event, into: &json, cache: cache)
                lines += text.line(event).isEmpty ? 0 : 1
                switch event {
                case .message, .cmpMessage: messages += 1
                default: break
                }
            }
            do {
                let reader = try PcapFileReader(path: path)
                defer { reader.close() }
                while let packet = try reader.next() { pipeline.process(packet) }
            } catch {
                unreadable += 1
                #expect(!"\(error)".isEmpty, "case \(index) of batch \(batch): an error without a message")
            }
            pipeline.finish()
            let report = StatisticsReport(pipeline: pipeline)
            #expect(!report.text().isEmpty && report.json().last == UInt8(ascii: "\n"))
            #expect(json.count == 0 || json.bytes.last == UInt8(ascii: "\n"), "case \(index) of batch \(batch): a JSON line left open")
            #expect(lines == json.bytes.count(where: { $0 == UInt8(ascii: "\n") }), "case \(index) of batch \(batch): a text line per JSON line")
        }
        // Most mutations leave most of the conversation readable, and some break the file.
        #expect(messages > Self.casesPerBatch)
        #expect(unreadable > 0 && unreadable < Self.casesPerBatch)
    }
}
