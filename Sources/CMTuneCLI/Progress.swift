import HostKit
import Tuning

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A countdown on stderr while cmtune waits, for a person at a terminal; silent when stderr
/// is not a terminal or the output is JSON.
struct Progress {
    let console: Console
    let quiet: Bool

    /// Waits `seconds`, counting down. SIGINT, SIGTERM or SIGHUP end the wait and the command
    /// at once: while sampling nothing has been judged or written, so there is nothing to
    /// finish or undo, and the status is 3 (UNKNOWN in the Nagios convention `diagnose`
    /// follows), with a line saying why.
    func wait(_ seconds: Double, label: String) {
        StoppableWait.install()
        let show = !quiet && Console.standardErrorIsTerminal
        let started = MonotonicClock.now()
        let deadline = started + seconds
        while true {
            let left = deadline - MonotonicClock.now()
            if left <= 0 { break }
            if show { Console.writeStandardError("\r\(label) \(Int(left.rounded(.up))) s left ") }
            if StoppableWait.wait(show ? min(left, 0.25) : left) == .stop {
                if show { Console.writeStandardError("\r\u{1B}[K") }
                let elapsed = NumberText.seconds(MonotonicClock.now() - started)
                Console.error(
                    "\(label) stopped by \(StoppableWait.stopSignalName ?? "a signal") after \(elapsed) s of \(NumberText.seconds(seconds)) s: nothing judged (UNKNOWN)"
                )
                exit(3)
            }
        }
        if show { Console.writeStandardError("\r\u{1B}[K") }
    }
}
