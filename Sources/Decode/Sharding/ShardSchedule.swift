#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#endif

/// Which shards have a round waiting, which are being decoded, and who waits, for a sharded
/// decode whose threads take any shard that has work (a shard at a time, its rounds in order).
///
/// Shards outnumber threads, so a thread whose shards ran dry takes another's: the busiest
/// connections need not share a thread, and the cores stay busy however the work is spread.
/// The reading thread, when it must wait for a round, decodes waiting shards of it itself.
/// One mutex and one condition for all: a few operations per batch of thousands of messages.
final class ShardSchedule: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Per shard: rounds handed in, rounds decoded, and whether a thread is decoding one now.
    private var submitted: [Int]
    private var decoded: [Int]
    private var busy: [Bool]
    private var stopping = false
    /// Where the next search for work starts, so the shards take turns.
    private var start = 0

    init(shards: Int) {
        submitted = Array(repeating: 0, count: shards)
        decoded = Array(repeating: 0, count: shards)
        busy = Array(repeating: false, count: shards)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// A round was filled for every shard.
    func submitRound() {
        pthread_mutex_lock(mutex)
        for shard in submitted.indices { submitted[shard] += 1 }
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// For a decoding thread: the next shard and round to decode, waiting while there is none;
    /// nil once `stop()` was called. `finished(_:)` must follow.
    func take() -> (shard: Int, round: Int)? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !stopping {
            if let work = claim(before: Int.max) { return work }
            pthread_cond_wait(condition, mutex)
        }
        return nil
    }

    /// The round of `shard` that `take()` or `waitFor` gave is decoded.
    func finished(_ shard: Int) {
        pthread_mutex_lock(mutex)
        decoded[shard] += 1
        busy[shard] = false
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// For the reading thread: returns once every shard decoded `round`; meanwhile decodes,
    /// through `decode(shard, round)`, what of it no thread has taken yet.
    func waitFor(round: Int, decoding decode: (Int, Int) -> Void) {
        pthread_mutex_lock(mutex)
        while decoded.contains(where: { $0 <= round }) {
            if let (shard, claimed) = claim(before: round + 1) {
                pthread_mutex_unlock(mutex)
                decode(shard, claimed)
                pthread_mutex_lock(mutex)
                decoded[shard] += 1
                busy[shard] = false
                pthread_cond_broadcast(condition)
            } else {
                pthread_cond_wait(condition, mutex)
            }
        }
        pthread_mutex_unlock(mutex)
    }

    /// Decoding threads return nil from `take()` from now on.
    func stop() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// A shard no thread is decoding, with a round waiting that is before `limit`: marked busy.
    /// Called with the mutex held.
    private func claim(before limit: Int) -> (shard: Int, round: Int)? {
        let count = submitted.count
        for step in 0..<count {
            let shard = (start + step) % count
            if !busy[shard], decoded[shard] < submitted[shard], decoded[shard] < limit {
                busy[shard] = true
                start = (shard + 1) % count
                return (shard, decoded[shard])
            }
        }
        return nil
    }
}
