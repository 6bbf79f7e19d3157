import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#endif

/// Runs a closure on a thread of its own. A decoding thread blocks between rounds while it
/// waits for work, and Dispatch's pool runs no more blocking tasks than there are CPUs before
/// it adds threads (slowly): threads queued behind each other there stalled every round.
///
/// The thread runs under SCHED_BATCH: the same share of the CPU as any other thread, but waking
/// up it does not preempt the thread that runs. The reading thread wakes the decoders with each
/// round; under the default policy a woken decoder took the CPU from it, so on a machine with
/// no spare core the reader fell behind and the decoders then waited for rounds not yet read
/// (figures in bench/README.md).
enum DecodeThread {
    /// Linux's SCHED_BATCH (linux/sched.h), which Swift's Glibc module does not import.
    static let batchPolicy: Int32 = 3

    /// Starts `body` on a new thread, which first adds its kernel thread id to `started`.
    static func start(registeringIn started: DecodeThreadIDs, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            // Static priority 0, as SCHED_BATCH requires; a refusal (a sandbox) costs only speed.
            var parameters = sched_param()
            _ = pthread_setschedparam(pthread_self(), DecodeThread.batchPolicy, &parameters)
            if let id = currentThreadID() { started.add(id) }
            body()
        }
        thread.name = "cmtune-decode"
        thread.start()
    }

    /// The calling thread's kernel id, from /proc/thread-self ("PID/task/TID"): Swift's Glibc
    /// module does not import gettid(2).
    static func currentThreadID() -> Int32? {
        var link = [CChar](repeating: 0, count: 64)
        let count = link.withUnsafeMutableBufferPointer { readlink("/proc/thread-self", $0.baseAddress!, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: link[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self).split(separator: "/").last.flatMap { Int32($0) }
    }
}

/// The kernel thread ids of a decode's threads, as they start (for a test, or a tool, that
/// looks at those threads and no others in /proc/self/task). A pthread-mutex box rather than
/// `Synchronization.Mutex`, whose futex ThreadSanitizer cannot see (it reports races under it).
final class DecodeThreadIDs: Sendable {
    private let ids = NIOLockedValueBox<[Int32]>([])

    func add(_ id: Int32) {
        ids.withLockedValue { $0.append(id) }
    }

    var all: [Int32] { ids.withLockedValue { $0 } }
}
