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
/// (2 CPUs, `decode --json` on the 1M-message bench capture: 0.473 s -> 0.426 s wall, the
/// same CPU time).
enum DecodeThread {
    /// Linux's SCHED_BATCH (linux/sched.h), which Swift's Glibc module does not import.
    private static let batchPolicy: Int32 = 3

    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// Starts `body` on a new detached thread; false (and nothing runs) when the system refused.
    static func start(_ body: @escaping () -> Void) -> Bool {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { context in
            let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
            // Static priority 0, as SCHED_BATCH requires; a refusal (a sandbox) costs only speed.
            var parameters = sched_param()
            _ = pthread_setschedparam(pthread_self(), DecodeThread.batchPolicy, &parameters)
            body.run()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            return false
        }
        pthread_detach(thread)
        return true
    }
}
