import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

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
