import Foundation
import NIOCore
import Testing
import Wire

/// Decode speed on a million small PUBLISH packets. Off by default (it proves nothing in a
/// debug build); run it in release:
///     CMTUNE_BENCH=1 swift test -c release --filter MQTTDecodeBenchmark
@Suite("MQTT decode benchmark", .enabled(if: ProcessInfo.processInfo.environment["CMTUNE_BENCH"] != nil))
struct MQTTDecodeBenchmark {
    static func stream(_ version: MQTTVersion, count: Int) throws -> ByteBuffer {
        let encoder = MQTTEncoder(version: version)
        var buffer = ByteBuffer()
        let payload = ByteBuffer(string: "{\"t\":21.5,\"h\":40}")
        for index in 0..<count {
            let properties: MQTTProperties =
                version == .v5 ? [MQTTProperty(.topicAlias, .twoByteInteger(UInt16(index % 100 + 1)))] : []
            try encoder.encode(
                .publish(
                    .init(
                        topic: MQTTString("sensors/\(index % 1000)/temp"), payload: payload, qos: .atLeastOnce,
                        packetID: UInt16(index % 65535 + 1), properties: properties)),
                into: &buffer)
        }
        return buffer
    }

    @Test("a million small PUBLISH packets", arguments: [MQTTVersion.v3_1_1, .v5])
    func publishes(version: MQTTVersion) throws {
        let count = 1_000_000
        let input = try MQTTDecodeBenchmark.stream(version, count: count)
        var best = Duration.seconds(1000)
        for _ in 0..<3 {
            var buffer = input
            var decoder = MQTTDecoder(version: version)
            var decoded = 0
            var payloadBytes = 0
            // A plain loop, no closure: captured variables would add dynamic exclusivity checks
            // that the capture pipeline does not pay.
            let start = ContinuousClock.now
            while let packet = try decoder.decode(buffer: &buffer) {
                decoded += 1
                if case .publish(let publish) = packet.body { payloadBytes += publish.payload.readableBytes }
            }
            let elapsed = ContinuousClock.now - start
            #expect(decoded == count && payloadBytes == count * 17)
            best = min(best, elapsed)
        }
        let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
        let rate = Double(count) / seconds
        print(
            "MQTT \(version): \(count) PUBLISH (\(input.readableBytes / count) bytes each) in \(best): \(Int(rate)) packets/s, \(Int(Double(input.readableBytes) / seconds / 1e6)) MB/s"
        )
    }
}
