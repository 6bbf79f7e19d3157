import HostKit

/// A countdown on stderr while cmtune waits, for a person at a terminal; silent when stderr
/// is not a terminal or the output is JSON.
struct Progress {
    let console: Console
    let quiet: Bool

    func wait(_ seconds: Double, label: String) {
        let show = !quiet && Console.standardErrorIsTerminal
        let deadline = MonotonicClock.now() + seconds
        while true {
            let left = deadline - MonotonicClock.now()
            if left <= 0 { break }
            if show { Console.writeStandardError("\r\(label) \(Int(left.rounded(.up))) s left ") }
            MonotonicClock.sleep(min(left, 0.1))
        }
        if show { Console.writeStandardError("\r\u{1B}[K") }
    }
}
