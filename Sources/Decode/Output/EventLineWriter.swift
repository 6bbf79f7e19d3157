import Capture

/// Writes decode events as lines, JSON (`--json`) or text, into a `JSONLineBuilder`: one per
/// thread that decodes, each keeping the per-connection context its lines reuse.
public final class EventLineWriter {
    public enum Format: Sendable { case text, json }

    public let format: Format
    private let cache = EventJSON.Cache()
    @exclusivity(unchecked) private var text = EventText()

    public init(format: Format) {
        self.format = format
    }

    public func write(_ event: DecodeEvent, into lines: inout JSONLineBuilder) {
        switch format {
        case .json: EventJSON.write(event, into: &lines, cache: cache)
        case .text:
            switch event {
            case .message(let message):
                text.write(message, into: &lines)
                lines.endLine()
            case .cmpMessage(let message):
                text.write(message, into: &lines)
                lines.endLine()
            default:
                lines.textLine(text.line(event))
            }
        }
    }

    /// Names the client of a connection on the lines of stream events (by its id or user).
    public func nameClients(_ name: @escaping (TCPConnection) -> String?) {
        text.clientName = name
        cache.clientName = name
    }

    /// Text times count from the capture's first packet, whatever the filters keep (as tshark's do).
    public func startClock(at timestamp: CaptureTimestamp) {
        if text.start == nil { text.start = timestamp }
    }
}
