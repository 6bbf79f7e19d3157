import Capture
import Testing

@testable import Decode

@Suite("Shard batch")
struct ShardBatchTests {
    static let connection = TCPConnection(
        id: 1, client: Endpoint(address: .v4(0x0A00_0001), port: 50_000), server: Endpoint(address: .v4(0x0A00_0002), port: 1883))

    static func fill(_ batch: ShardBatch, bytes: Int) {
        let data = [UInt8](repeating: 0x41, count: bytes)
        batch.add(
            .data(connection, .clientToServer, data[...], CaptureTimestamp(seconds: 1, nanoseconds: 0)), now: CaptureTimestamp(seconds: 1, nanoseconds: 0))
        batch.lines.textLine(String(repeating: "x", count: bytes))
        batch.ends.append(batch.lines.count)
    }

    @Test("a round's events come back as stream events, their bytes as they were given")
    func events() {
        let batch = ShardBatch()
        let time = CaptureTimestamp(seconds: 5, nanoseconds: 7)
        batch.add(.opened(Self.connection, hadSYN: true), now: time)
        batch.add(.data(Self.connection, .serverToClient, [1, 2, 3][...], time), now: time)
        batch.add(.closed(Self.connection, reason: .fin), now: time)
        guard case .data(_, .serverToClient, let bytes, _) = batch.event(1).event else {
            Issue.record("not data")
            return
        }
        #expect(Array(bytes) == [1, 2, 3])
        guard case .closed(_, .fin) = batch.event(2).event else {
            Issue.record("not closed")
            return
        }
        #expect(batch.event(2).now == time && batch.event(0).now == nil)
    }

    @Test("between rounds a batch keeps about twice what it used, not its largest round")
    func memoryFollowsUse() {
        let batch = ShardBatch()
        Self.fill(batch, bytes: 4 << 20)
        batch.reset()
        #expect(batch.isEmpty && batch.lines.isEmpty)
        #expect(batch.lines.allocatedCapacity >= 4 << 20)  // kept: the next round may be as large
        Self.fill(batch, bytes: 10_000)
        batch.reset()
        #expect(batch.lines.allocatedCapacity <= 2 * ShardBatch.minimumKept)
        Self.fill(batch, bytes: 100)
        #expect(batch.lines.count == 101 && batch.byteCount == 100)
    }
}
