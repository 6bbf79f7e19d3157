import Capture
import HostKit

/// Where decode events go: text lines, JSON lines, or nowhere (statistics only), through one
/// buffered stream; progress on a terminal's stderr for long runs.
final class DecodeOutput {
    enum Format { case text, json, none }

    let format: Format
    let stream = Capture.OutputStream()
    @exclusivity(unchecked) private var json = JSONLineBuilder()
    private let cache = EventJSON.Cache()
    @exclusivity(unchecked) private var text = EventText()
    private let showProgress: Bool
    @exclusivity(unchecked) private var lastProgress = 0.0
    private var progressShown = false

    init(format: Format, quiet: Bool) {
        self.format = format
        let console = Console()
        // Progress goes to stderr, and only when it cannot mix with lines on the same terminal.
        showProgress = !quiet && Console.standardErrorIsTerminal && (format == .none || !console.isTerminal)
    }

    func emit(_ event: DecodeEvent) {
        switch format {
        case .json:
            // Lines accumulate in the builder and go out 64 KiB at a time, straight from its memory.
            EventJSON.write(event, into: &json, cache: cache)
            if json.count >= 1 << 16 {
                json.withUnsafeBytes { stream.write(block: $0) }
                json.removeAll()
            }
        case .text:
            stream.write(text.line(event))
            stream.write(byte: UInt8(ascii: "\n"))
        case .none:
            break
        }
    }

    /// Names the client of a connection on the lines of stream events (by its id or user).
    func nameClients(_ name: @escaping (TCPConnection) -> String?) {
        text.clientName = name
        cache.clientName = name
    }

    /// Text times count from the capture's first packet, whatever the filters keep (as tshark's do).
    func startClock(at timestamp: CaptureTimestamp) {
        if text.start == nil { text.start = timestamp }
    }

    /// `label: N packets` every half second on a terminal.
    func progress(_ label: String, packets: Int) {
        guard showProgress, packets % 1024 == 0 else { return }
        let now = MonotonicClock.now()
        guard now - lastProgress >= 0.5 else { return }
        lastProgress = now
        progressShown = true
        Console.writeStandardError("\r\(label): \(packets) packets\u{1B}[K")
    }

    func finish() {
        if progressShown { Console.writeStandardError("\r\u{1B}[K") }
        if !json.isEmpty {
            json.withUnsafeBytes { stream.write(block: $0) }
            json.removeAll()
        }
        stream.flush()
    }
}
