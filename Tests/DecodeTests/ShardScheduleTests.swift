import Capture
import Dispatch
import NIOConcurrencyHelpers
import Synchronization
import Testing

@testable import Decode

@Suite("Shard schedule")
struct ShardScheduleTests {
    /// What decoded which round of which shard, and whether two ever overlapped on one shard.
    /// Locked boxes on pthread mutexes, which ThreadSanitizer sees (`make sanitize`).
    final class Log: Sendable {
        let rounds: NIOLockedValueBox<[[Int]]>
        let active: NIOLockedValueBox<Set<Int>>
        let overlaps = Atomic<Int>(0)
        let byReader = Atomic<Int>(0)

        init(shards: Int) {
            rounds = NIOLockedValueBox(Array(repeating: [], count: shards))
            active = NIOLockedValueBox([])
        }

        func decode(_ shard: Int, _ round: Int, reader: Bool) {
            if !active.withLockedValue({ $0.insert(shard).inserted }) { overlaps.add(1, ordering: .relaxed) }
            rounds.withLockedValue { $0[shard].append(round) }
            if reader { byReader.add(1, ordering: .relaxed) }
            _ = active.withLockedValue { $0.remove(shard) }
        }
    }

    @Test("every round of every shard is decoded once, in order, one thread at a time per shard; a waiting reader decodes too")
    func ordered() {
        let shards = 9
        let rounds = 300
        let threads = 3
        let ring = 4
        let schedule = ShardSchedule(shards: shards)
        let log = Log(shards: shards)
        let exited = DispatchSemaphore(value: 0)
        for _ in 0..<threads {
            DecodeThread.start(registeringIn: DecodeThreadIDs()) {
                while let (shard, round) = schedule.take() {
                    log.decode(shard, round, reader: false)
                    schedule.finished(shard)
                }
                exited.signal()
            }
        }
        // As the reading thread does: submit rounds, and when `ring` are in flight, wait for the oldest.
        var waited = 0
        for submitted in 1...rounds {
            schedule.submitRound()
            if submitted - waited == ring {
                schedule.waitFor(round: waited) { log.decode($0, $1, reader: true) }
                waited += 1
            }
        }
        for round in waited..<rounds { schedule.waitFor(round: round) { log.decode($0, $1, reader: true) } }
        schedule.stop()
        for _ in 0..<threads { exited.wait() }

        let decoded = log.rounds.withLockedValue { $0 }
        #expect(decoded.allSatisfy { $0 == Array(0..<rounds) })
        #expect(log.overlaps.load(ordering: .relaxed) == 0)
        // Whether the reader got to decode some depends on the scheduler; `readerAlone` makes sure it can.
    }

    @Test("with no decoding thread at all, the reader decodes every round itself")
    func readerAlone() {
        let schedule = ShardSchedule(shards: 4)
        let log = Log(shards: 4)
        for round in 0..<20 {
            schedule.submitRound()
            schedule.waitFor(round: round) { log.decode($0, $1, reader: true) }
        }
        #expect(log.rounds.withLockedValue { $0 }.allSatisfy { $0 == Array(0..<20) })
        #expect(log.byReader.load(ordering: .relaxed) == 80)
        schedule.stop()
        #expect(schedule.take() == nil)
    }
}
