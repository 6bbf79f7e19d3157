import Capture
import HostKit

/// Where decode events go: text lines, JSON lines, or nowhere (statistics only), through one
/// buffered stream; progress on a terminal's stderr for long runs.
final class DecodeOutput {
    /// The format of the lines, nil without lines (statistics only).
    let format: EventLineWriter.Format?
    let stream = Capture.OutputStream()
    @exclusivity(unchecked) private var lines = JSONLineBuilder()
    private let writer: EventLineWriter?
    private let showProgress: Bool
    @exclusivity(unchecked) private var lastProgress = 0.0
    private var progressShown = false

    init(format: EventLineWriter.Format?, quiet: Bool) {
        self.format = format
        writer = format.map(EventLineWriter.init)
        let console = Console()
        // Progress goes to stderr, and only when it cannot mix with lines on the same terminal.
        showProgress = !quiet && Console.standardErrorIsTerminal && (format == nil || !console.isTerminal)
    }

    func emit(_ event: DecodeEvent) {
        guard let writer else { return }
        // Lines accumulate in the builder and go out 64 KiB at a time, straight from its memory.
        writer.write(event, into: &lines)
        if lines.count >= 1 << 16 { flushLines() }
    }

    private func flushLines() {
        lines.withUnsafeBytes { stream.write(block: $0) }
        lines.removeAll()
    }

    /// Names the client of a connection on the lines of stream events (by its id or user).
    func nameClients(_ name: @escaping (TCPConnection) -> String?) {
        writer?.nameClients(name)
    }

    /// Text times count from the capture's first packet, whatever the filters keep (as tshark's do).
    func startClock(at timestamp: CaptureTimestamp) {
        writer?.startClock(at: timestamp)
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

    /// Writes out the lines held so far: a live capture shows them while it waits for traffic.
    func flush() {
        if !lines.isEmpty { flushLines() }
        stream.flush()
    }

    func finish() {
        if progressShown { Console.writeStandardError("\r\u{1B}[K") }
        if !lines.isEmpty { flushLines() }
        stream.flush()
    }
}
