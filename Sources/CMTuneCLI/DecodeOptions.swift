import ArgumentParser
import Decode

/// What `decode` and `capture` share: the output's form, the protocol hints, the filters, the
/// message size limit and the thread count. One group, so the two commands cannot drift apart.
struct DecodeOptions: ParsableArguments {
    @Flag(name: .long, help: "JSON lines, one object per message (schema in docs/json.md).")
    var json = false

    @Flag(name: .long, help: "A summary instead of messages: types, clients and users, topics, request/ack latency, gaps.")
    var stats = false

    @Option(
        name: .customLong("port"), help: ArgumentHelp("Decode this server port as PROTOCOL (e.g. 8884=mqtt, 7443=cmp); repeatable.", valueName: "PORT=PROTOCOL")
    )
    var ports: [String] = []

    @OptionGroup(title: "Filters")
    var filters: MessageFilterOptions

    @Option(name: .long, help: ArgumentHelp("Largest MQTT or CMP message accepted, in bytes; larger ones are reported and skipped.", valueName: "BYTES"))
    var maxMessageSize = 16 << 20

    @OptionGroup
    var threads: DecodeThreadsOption

    func validate() throws {
        _ = try hints()
        guard maxMessageSize >= 2, maxMessageSize <= 268_435_460 else {
            throw ValidationError("--max-message-size \(maxMessageSize): between 2 and 268435460 (the limit of MQTT's and CMP's framing)")
        }
    }

    /// The default ports and those given with --port.
    func hints() throws -> ProtocolHints {
        var hints = ProtocolHints.defaults
        for port in ports {
            if let problem = hints.add(port) { throw ValidationError(problem) }
        }
        return hints
    }

    /// The decode's options; statistics are counted with --stats only.
    func pipelineOptions() throws -> DecodePipeline.Options {
        DecodePipeline.Options(hints: try hints(), maximumMessageSize: maxMessageSize, collectStatistics: stats, filter: try filters.filter())
    }

    /// The lines asked for: nil with --stats (a summary at the end instead).
    var format: EventLineWriter.Format? { stats ? nil : json ? .json : .text }

    /// The summary after a decode with --stats, in the form asked for.
    func render(_ report: StatisticsReport) -> [UInt8] {
        json ? report.json() : Array((report.text() + "\n").utf8)
    }
}
