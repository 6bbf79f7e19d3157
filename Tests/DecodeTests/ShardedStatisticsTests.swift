import Capture
import CaptureTestSupport
import Decode
import Glibc
import Testing
import Wire

/// `--stats` on several threads: each shard counts its connections and the shares are merged;
/// the report must be the one a decode on one thread makes, to the byte.
@Suite("Sharded statistics")
struct ShardedStatisticsTests {
    static func singleThreaded(_ packets: [CapturedPacket], _ options: DecodePipeline.Options) -> StatisticsReport {
        let pipeline = DecodePipeline(options: options) { _ in }
        for packet in packets { pipeline.process(packet) }
        pipeline.finish()
        return StatisticsReport(pipeline: pipeline)
    }

    static func sharded(_ packets: [CapturedPacket], _ options: DecodePipeline.Options, threads: Int, roundPackets: Int) throws -> StatisticsReport {
        let null = open("/dev/null", O_WRONLY)
        try #require(null >= 0)
        defer { close(null) }
        let decode = ShardedDecode(options: options, format: nil, threads: threads, output: Decode.OutputStream(descriptor: null), roundPackets: roundPackets)
        for packet in packets { decode.process(packet) }
        decode.finish()
        return try #require(StatisticsReport(sharded: decode))
    }

    @Test("the same report, text and JSON, at 1 to 5 threads and any round, with the topic limit reached or not")
    func sameReport() throws {
        var captures = [("twelve sessions", ShardedDecodeTests.busyCapture)]
        for path in ShardedDecodeTests.fixtures { captures.append((path, try PcapFixtures.readAll(path))) }
        for (name, packets) in captures {
            for topicLimit in [DecodeStatistics.maximumTopics, 2, 1] {
                let options = DecodePipeline.Options(collectStatistics: true, maximumTopics: topicLimit)
                let expected = Self.singleThreaded(packets, options)
                for threads in [1, 2, 3, 5] {
                    for roundPackets in [1, 3, 2048] {
                        let report = try Self.sharded(packets, options, threads: threads, roundPackets: roundPackets)
                        let context = "\(name), topic limit \(topicLimit), \(threads) threads, rounds of \(roundPackets)"
                        #expect(report.text() == expected.text(), "\(context)")
                        #expect(String(decoding: report.json(), as: UTF8.self) == String(decoding: expected.json(), as: UTF8.self), "\(context)")
                    }
                }
            }
        }
    }

    @Test("the comparison covers what a merge must get right: topics beyond the limit, latencies, clients, problems")
    func reportHasItsParts() {
        let limited = Self.singleThreaded(ShardedDecodeTests.busyCapture, .init(collectStatistics: true, maximumTopics: 1))
        #expect(limited.statistics.topics.count == 1 && limited.statistics.otherTopics.messages > 0)
        let other = limited.statistics.otherTopics
        #expect(
            String(decoding: limited.json(), as: UTF8.self).contains(
                #""otherTopics":{"topicLimit":1,"messages":\#(other.messages),"payloadBytes":\#(other.payloadBytes)}"#))
        let all = Self.singleThreaded(ShardedDecodeTests.busyCapture, .init(collectStatistics: true))
        #expect(all.statistics.topics.count > 2)
        // One client id on twelve connections: its count adds up over the shards.
        #expect(all.statistics.mqttConnections == 12 && all.statistics.clients.values.reduce(0, +) > 100)
        #expect(!all.statistics.flowLatencies.isEmpty && all.statistics.problems > 0 && all.statistics.gaps > 0)
        #expect(all.statistics.connectionsWithAssumedVersion > 0)
    }

    @Test("filters count the same on several threads")
    func filtered() throws {
        let filter = DecodeFilter(clients: ["sensor-*"], topics: [try MQTTTopicFilter(validating: "t/+")])
        let options = DecodePipeline.Options(collectStatistics: true, filter: filter)
        let expected = Self.singleThreaded(ShardedDecodeTests.busyCapture, options)
        #expect(expected.statistics.messagesByType["PUBLISH"] ?? 0 > 0)
        let report = try Self.sharded(ShardedDecodeTests.busyCapture, options, threads: 3, roundPackets: 5)
        #expect(report.text() == expected.text())
    }
}
