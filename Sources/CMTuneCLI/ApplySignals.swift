#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import Synchronization

/// Stop signals during a write to the host (`spread`, `restore`, `sysctl --apply`): instead of
/// dying between two writes, the process notes the signal, the transaction rolls back what it
/// wrote at its next step, and the command exits with 128 + the signal's number.
enum ApplySignals {
    private static let received = Atomic<Int32>(0)

    static func install() {
        StopSignals.unblock()
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber) { number in ApplySignals.received.store(number, ordering: .relaxed) }
        }
    }

    /// The signal that arrived, by name (`SIGINT`), or nil.
    static func arrived() -> String? {
        let number = received.load(ordering: .relaxed)
        return number == 0 ? nil : name(number)
    }

    static var exitStatus: Int32 { 128 + received.load(ordering: .relaxed) }

    static func name(_ number: Int32) -> String {
        switch number {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        case SIGKILL: return "SIGKILL"
        default: return "signal \(number)"
        }
    }
}

/// `CMTUNE_TEST_SIGNAL_AFTER_STEP=K[:INT|TERM|HUP|KILL]`: the process sends itself the signal
/// right after step K of an apply (a channel change or a file write, counted from 1). Tests use
/// it to cut an apply at every step and check that the host ends as it was, through the same
/// signal path a user's Ctrl-C or `kill -9` takes.
enum ApplyTestHook {
    static func afterStep() -> (Int) -> Void {
        guard let text = ProcessInfo.processInfo.environment["CMTUNE_TEST_SIGNAL_AFTER_STEP"] else { return { _ in } }
        let parts = text.split(separator: ":")
        guard let step = parts.first.flatMap({ Int($0) }) else { return { _ in } }
        let signalNumber: Int32
        switch parts.count > 1 ? String(parts[1]) : "INT" {
        case "TERM": signalNumber = SIGTERM
        case "HUP": signalNumber = SIGHUP
        case "KILL": signalNumber = SIGKILL
        default: signalNumber = SIGINT
        }
        return { done in if done == step { kill(getpid(), signalNumber) } }
    }
}
