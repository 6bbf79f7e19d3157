import Decode
import HostKit

/// Where a decode's lines go (one buffered stream on standard output), and progress on a
/// terminal's stderr for long runs.
final class DecodeOutput {
    let stream = Decode.OutputStream()
    private let showProgress: Bool
    private var lastProgress = 0.0
    private var progressShown = false

    /// `showsLines`: lines go to standard output (else statistics only, or nothing).
    init(showsLines: Bool) {
        let console = Console()
        // Progress goes to stderr, and only when it cannot mix with lines on the same terminal.
        showProgress = Console.standardErrorIsTerminal && (!showsLines || !console.isTerminal)
    }

    /// Packets between two looks at the clock for `progress`.
    static let progressInterval = 1024

    /// `label: N packets` every half second on a terminal.
    func progress(_ label: String, packets: Int) {
        guard packets % Self.progressInterval == 0 else { return }
        status("\(label): \(packets) packets")
    }

    /// A status line (a live capture's counts) at most every half second on a terminal.
    func status(_ text: @autoclosure () -> String) {
        guard showProgress else { return }
        let now = MonotonicClock.now()
        guard now - lastProgress >= 0.5 else { return }
        lastProgress = now
        progressShown = true
        Console.writeStandardError("\r\(text())\u{1B}[K")
    }

    /// The progress line cleared, and what the stream holds written.
    func finish() {
        if progressShown { Console.writeStandardError("\r\u{1B}[K") }
        stream.flush()
    }
}
