import HostKit
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Waits that SIGINT, SIGTERM and SIGHUP end at once.
///
/// A flag set by a signal handler is only seen when the waiter looks at it, and a sleep that
/// resumes after EINTR (`nanosleep` in a loop) or a long `poll` does not look: `top --interval
/// 1h` ignored Ctrl-C for the rest of the hour. So the handler also writes a byte to a pipe
/// (the self-pipe trick; `write` is async-signal-safe) and every wait polls that pipe: the
/// wait ends the moment a stop signal arrives, whichever thread the kernel delivered it to,
/// and without the race of checking the flag just before going to sleep.
enum StoppableWait {
    /// Why a wait ended.
    enum Wake: Equatable { case timeout, stop, input }

    /// The stop signal that arrived, or 0.
    private static let signalNumber = Atomic<Int32>(0)
    /// The pipe's write end for the handler, or -1 before `install`.
    private static let wakeWriter = Atomic<Int32>(-1)
    private static let wakeReader = Atomic<Int32>(-1)

    /// Catches the stop signals from now on. Call it before anything needs restoring (the
    /// terminal) and before the first wait; calling it again changes nothing.
    static func install() {
        guard wakeReader.load(ordering: .acquiring) < 0 else { return }
        var descriptors: [Int32] = [-1, -1]
        if pipe(&descriptors) == 0 {
            // Non-blocking: a handler must never block on a full pipe (many signals, no
            // reader). Close-on-exec: children (ip, ethtool) have no use for it.
            for descriptor in descriptors {
                _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
                _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            }
            // The statics are initialized here, never first inside a handler.
            wakeWriter.store(descriptors[1], ordering: .releasing)
            wakeReader.store(descriptors[0], ordering: .releasing)
        }
        _ = signalNumber.load(ordering: .relaxed)
        for stop in [SIGINT, SIGTERM, SIGHUP] {
            signal(stop) { received in
                let savedErrno = errno
                StoppableWait.signalNumber.store(received, ordering: .relaxed)
                var byte: UInt8 = 1
                _ = write(StoppableWait.wakeWriter.load(ordering: .relaxed), &byte, 1)
                errno = savedErrno
            }
        }
        // After the handlers: a stop signal left pending by a parent's mask is caught, not fatal.
        StopSignals.unblock()
    }

    /// True once a stop signal arrived.
    static var stopRequested: Bool { signalNumber.load(ordering: .relaxed) != 0 }

    /// The exit status of a command a stop signal ended: 128 + its number (130 for SIGINT).
    static var stopExitStatus: Int32 { 128 + signalNumber.load(ordering: .relaxed) }

    /// `SIGINT`, `SIGTERM` or `SIGHUP`: the signal that stopped the command, for its message.
    static var stopSignalName: String? {
        switch signalNumber.load(ordering: .relaxed) {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        default: return nil
        }
    }

    /// Waits `seconds`, or less: until a stop signal arrives, or `input` (a descriptor, such
    /// as the terminal's stdin) has something to read.
    static func wait(_ seconds: Double, orReadable input: Int32? = nil) -> Wake {
        let deadline = MonotonicClock.now() + max(0, seconds)
        while true {
            if stopRequested { return .stop }
            let left = deadline - MonotonicClock.now()
            if left <= 0 { return .timeout }
            var descriptors = [pollfd(fd: wakeReader.load(ordering: .acquiring), events: Int16(POLLIN), revents: 0)]
            if let input { descriptors.append(pollfd(fd: input, events: Int16(POLLIN), revents: 0)) }
            let milliseconds = Int32(min((left * 1000).rounded(.up), Double(Int32.max)))
            let ready = poll(&descriptors, nfds_t(descriptors.count), milliseconds)
            // EINTR means a signal: the flag is looked at again, like a byte on the pipe. Any
            // other failure ends the wait rather than spin until the deadline.
            if ready < 0 && errno != EINTR { return .timeout }
            if ready > 0, descriptors.count > 1, descriptors[1].revents != 0 { return .input }
        }
    }
}
