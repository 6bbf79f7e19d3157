import Capture
import Histogram

/// `decode --stats` and `capture --stats`: the summary, as text or one JSON document.
public struct StatisticsReport {
    public var statistics: DecodeStatistics
    public var packets: Int
    public var packetStatistics: PacketStatistics
    public var reassembly: TCPReassemblyStatistics
    public var undecodedConnections: Int
    /// Topics and clients listed in text (JSON lists them all).
    public var topLimit = 20

    public init(pipeline: DecodePipeline) {
        statistics = pipeline.statistics
        packets = pipeline.packetsRead
        packetStatistics = pipeline.packetStatistics
        reassembly = pipeline.reassemblyStatistics
        undecodedConnections = pipeline.undecodedConnections
    }

    /// The report of a sharded decode that counted statistics, after its `finish`.
    public init?(sharded decode: ShardedDecode) {
        guard let statistics = decode.statistics else { return nil }
        self.statistics = statistics
        packets = decode.packetsRead
        packetStatistics = decode.packetStatistics
        reassembly = decode.reassemblyStatistics
        undecodedConnections = decode.undecodedConnections
    }

    var duration: Double? {
        guard let first = statistics.firstTimestamp, let last = statistics.lastTimestamp else { return nil }
        return last.seconds(since: first)
    }

    /// p50, p90, p99 and max in milliseconds.
    static func percentiles(_ histogram: Histogram<UInt64>) -> (p50: Double, p90: Double, p99: Double, max: Double) {
        func ms(_ value: UInt64) -> Double { Double(value) / 1000 }
        return (ms(histogram.valueAtPercentile(50)), ms(histogram.valueAtPercentile(90)), ms(histogram.valueAtPercentile(99)), ms(histogram.max))
    }

    /// `  KIND: answered  p50 ... ms  p90 ... ms  p99 ... ms  max ... ms`
    static func flowLine(_ kind: String, _ histogram: Histogram<UInt64>) -> String {
        let p = percentiles(histogram)
        return
            "  \(kind): \(histogram.totalCount)  p50 \(String(format1: p.p50)) ms  p90 \(String(format1: p.p90)) ms  p99 \(String(format1: p.p99)) ms  max \(String(format1: p.max)) ms"
    }

    public func text() -> String {
        var lines: [String] = []
        let seconds = duration.map { String(format1: $0) + " s" } ?? "-"
        lines.append(
            "capture: \(packets) packets, \(packetStatistics.tcpSegments) TCP segments over \(seconds); \(statistics.mqttConnections) MQTT connections"
                + (statistics.connectionsWithAssumedVersion > 0
                    ? " (\(statistics.connectionsWithAssumedVersion) started before the capture: version assumed)" : "")
                + (statistics.cmp.connections > 0 ? ", \(statistics.cmp.connections) CMP connections" : "")
                + (statistics.webSocketConnections > 0 ? ", \(statistics.webSocketConnections) of them over WebSocket" : "")
                + (undecodedConnections > 0 ? ", \(undecodedConnections) other TCP connections" : ""))
        // The MQTT lines are left out only when the capture held CMP and no MQTT at all.
        if statistics.mqttConnections > 0 || statistics.cmp.connections == 0 { mqttLines(&lines) }
        if statistics.cmp.connections > 0 { cmpLines(&lines) }
        lines.append(
            "reassembly: \(statistics.gaps) gaps (\(statistics.gapBytes) bytes not captured), \(reassembly.duplicateBytes) retransmitted bytes, \(reassembly.outOfOrderSegments) out-of-order segments, \(reassembly.conflictingBytes) conflicting overlap bytes"
        )
        lines.append(
            "decoding: \(statistics.streamErrors) errors (\(statistics.skippedBytes) bytes skipped), \(statistics.truncatedMessages) truncated messages, \(statistics.problems) messages with problems, \(packetStatistics.malformedTotal) malformed packets, \(packetStatistics.truncatedSegments) segments cut by the snaplen"
        )
        return lines.joined(separator: "\n")
    }

    private func mqttLines(_ lines: inout [String]) {
        let byType = statistics.messagesByType.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) \($0.value)" }
        lines.append("messages: " + (byType.isEmpty ? "none" : byType.joined(separator: ", ")))
        if !statistics.versions.isEmpty {
            lines.append("versions: " + statistics.versions.sorted { $0.key < $1.key }.map { "MQTT \($0.key) \($0.value)" }.joined(separator: ", "))
        }
        let clients = statistics.clients.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        lines.append(
            "clients: \(clients.count)"
                + (clients.isEmpty
                    ? "" : ": " + clients.prefix(topLimit).map { "\($0.key.isEmpty ? "(empty id)" : $0.key) (\($0.value))" }.joined(separator: ", "))
                + (clients.count > topLimit ? ", ..." : ""))
        let topics = statistics.topics.sorted { ($0.value.messages, $1.key) > ($1.value.messages, $0.key) }
        lines.append(
            "topics: \(topics.count)"
                + (statistics.otherTopics.messages > 0 ? " (+ \(statistics.otherTopics.messages) messages on topics beyond \(statistics.topicLimit))" : ""))
        for (topic, count) in topics.prefix(topLimit) {
            lines.append("  \(topic)  \(count.messages) messages, \(count.payloadBytes) payload bytes")
        }
        if statistics.flowLatencies.isEmpty {
            lines.append("answered flows: none")
        } else {
            lines.append("answered flows (latency from request to final answer):")
            for (kind, histogram) in statistics.flowLatencies.sorted(by: { $0.key < $1.key }) {
                lines.append(Self.flowLine(kind, histogram))
            }
        }
        lines.append(
            "unanswered: "
                + (statistics.unanswered.isEmpty
                    ? "none" : statistics.unanswered.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
    }

    public func json() -> [UInt8] {
        var json = JSONLineBuilder()
        json.beginObject()
        json.field("packets", packets)
        json.field("tcpSegments", packetStatistics.tcpSegments)
        json.key("durationSeconds")
        if let duration { json.number(duration, decimals: 6) } else { json.null() }
        json.field("mqttConnections", statistics.mqttConnections)
        json.field("cmpConnections", statistics.cmp.connections)
        json.field("webSocketConnections", statistics.webSocketConnections)
        json.counts("webSocketCloses", statistics.webSocketCloses)
        json.field("connectionsWithAssumedVersion", statistics.connectionsWithAssumedVersion)
        json.field("otherConnections", undecodedConnections)
        json.counts("messagesByType", statistics.messagesByType)
        json.counts("versions", statistics.versions)
        json.key("clients")
        json.beginArray()
        for (client, count) in statistics.clients.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
            json.beginObject()
            json.field("clientId", client)
            json.field("messages", count)
            json.endObject()
        }
        json.endArray()
        json.key("topics")
        json.beginArray()
        for (topic, count) in statistics.topics.sorted(by: { ($0.value.messages, $1.key) > ($1.value.messages, $0.key) }) {
            json.beginObject()
            json.field("topic", topic)
            json.field("messages", count.messages)
            json.field("payloadBytes", count.payloadBytes)
            json.endObject()
        }
        json.endArray()
        // Topics beyond the limit are counted together: without this, their messages would be
        // missing from the JSON without a trace.
        json.key("otherTopics")
        json.beginObject()
        json.field("topicLimit", statistics.topicLimit)
        json.field("messages", statistics.otherTopics.messages)
        json.field("payloadBytes", statistics.otherTopics.payloadBytes)
        json.endObject()
        json.key("flows")
        json.beginArray()
        for (kind, histogram) in statistics.flowLatencies.sorted(by: { $0.key < $1.key }) {
            json.flow(kind, histogram)
        }
        json.endArray()
        json.counts("unanswered", statistics.unanswered)
        json.key("cmp")
        cmpJSON(&json)
        let numbers: [(StaticString, Int)] = [
            ("gaps", statistics.gaps), ("gapBytes", statistics.gapBytes), ("retransmittedBytes", reassembly.duplicateBytes),
            ("outOfOrderSegments", reassembly.outOfOrderSegments), ("conflictingBytes", reassembly.conflictingBytes),
            ("decodeErrors", statistics.streamErrors), ("skippedBytes", statistics.skippedBytes), ("truncatedMessages", statistics.truncatedMessages),
            ("messagesWithProblems", statistics.problems), ("segmentsCutBySnaplen", packetStatistics.truncatedSegments),
        ]
        for (key, value) in numbers {
            json.key(key)
            json.int(value)
        }
        json.counts("malformedPackets", Dictionary(uniqueKeysWithValues: packetStatistics.malformed.map { ("\($0.key)", $0.value) }))
        json.endObject()
        json.endLine()
        return json.bytes
    }
}

extension String {
    /// One decimal: `12.3`.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}

extension JSONLineBuilder {
    /// One answered-flow entry: kind, count and latency percentiles in milliseconds.
    mutating func flow(_ kind: String, _ histogram: Histogram<UInt64>) {
        let p = StatisticsReport.percentiles(histogram)
        beginObject()
        field("kind", kind)
        field("answered", histogram.totalCount)
        key("p50Ms")
        number(p.p50)
        key("p90Ms")
        number(p.p90)
        key("p99Ms")
        number(p.p99)
        key("maxMs")
        number(p.max)
        endObject()
    }

    /// `"name": {"key": count, ...}` with keys sorted, so summaries diff cleanly.
    mutating func counts(_ name: StaticString, _ values: [String: Int]) {
        key(name)
        beginObject()
        for (entry, count) in values.sorted(by: { $0.key < $1.key }) {
            key(dynamic: entry)
            int(count)
        }
        endObject()
    }
}
