#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import HostKit

/// A countdown on stderr while cmtune waits, for a person at a terminal; silent when stderr
/// is not a terminal or the output is JSON.
struct Progress {
    let console: Console
    let quiet: Bool

    func wait(_ seconds: Double, label: String) {
        let show = !quiet && isatty(STDERR_FILENO) == 1
        let deadline = MonotonicClock.now() + seconds
        while true {
            let left = deadline - MonotonicClock.now()
            if left <= 0 { break }
            if show { Self.write("\r\(label) \(Int(left.rounded(.up))) s left ") }
            MonotonicClock.sleep(min(left, 0.1))
        }
        if show { Self.write("\r\u{1B}[K") }
    }

    static func write(_ text: String) {
        var copy = text
        copy.withUTF8 { buffer in _ = Glibc.write(STDERR_FILENO, buffer.baseAddress, buffer.count) }
    }
}
