import Prometheus
import Wire

/// The CM's Prometheus metrics. Every hot counter is per event loop (label `loop`), so two loops
/// never increment the same atomic, and a scrape still shows how evenly the loops share the
/// load, which is what `cmtune verify` looks at.
public final class CMMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let loops: [LoopMetrics]
    /// Logged-in sessions on the whole server.
    let sessions: Gauge

    public init(loopCount: Int, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        loops = (0..<loopCount).map { LoopMetrics(loop: $0, registry: registry) }
        sessions = registry.makeGauge(name: "cm_sessions", help: "Logged-in sessions")
    }

    /// The Prometheus text exposition format.
    public func exposition() -> [UInt8] {
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return bytes
    }
}

/// One loop's counters and gauges, created up front so the hot path only increments.
final class LoopMetrics: Sendable {
    let connections: Gauge
    let bufferedBytes: Gauge
    let busyRatio: Gauge
    let cpuSeconds: Counter
    let accepted: Counter
    let received: [Counter?]
    let sent: [Counter?]
    let logins: [UInt8: Counter]
    let sendResults: [UInt8: Counter]
    let kicks: [UInt8: Counter]
    let decodeErrors: Counter

    init(loop: Int, registry: PrometheusCollectorRegistry) {
        let label = ("loop", String(loop))
        connections = registry.makeGauge(name: "cm_connections", labels: [label], help: "Open connections per event loop")
        bufferedBytes = registry.makeGauge(
            name: "cm_write_buffer_bytes", labels: [label], help: "Bytes queued towards clients, not yet taken by the kernel")
        busyRatio = registry.makeGauge(
            name: "cm_loop_busy_ratio", labels: [label], help: "CPU time of the loop thread over wall time, last second")
        cpuSeconds = registry.makeCounter(name: "cm_loop_cpu_seconds_total", labels: [label], help: "CPU time of the loop thread")
        accepted = registry.makeCounter(name: "cm_accepted_total", labels: [label], help: "Connections accepted")
        // Indexed by message type, so counting a message is an array access.
        // Only the types that go that way: a CM receives what clients send and sends the rest.
        func byType(_ name: String, _ help: String, fromClient: Bool) -> [Counter?] {
            (0..<16).map { raw in
                CMPMessageType(rawValue: UInt8(raw)).flatMap { type in
                    guard type.isSentByClient == fromClient else { return nil }
                    return registry.makeCounter(name: name, labels: [label, ("type", type.name)], help: help)
                }
            }
        }
        received = byType("cm_messages_received_total", "CMP messages received", fromClient: true)
        sent = byType("cm_messages_sent_total", "CMP messages sent", fromClient: false)
        func byCode(_ name: String, _ help: String) -> [UInt8: Counter] {
            Dictionary(
                uniqueKeysWithValues: CMPResultCode.allKnown.map { code in
                    (code.rawValue, registry.makeCounter(name: name, labels: [label, ("result", code.name)], help: help))
                })
        }
        logins = byCode("cm_logins_total", "LOGIN answers by result")
        sendResults = byCode("cm_sends_total", "SEND answers by result")
        kicks = Dictionary(
            uniqueKeysWithValues: CMPResultCode.allKnown.map { code in
                (code.rawValue, registry.makeCounter(name: "cm_kicks_total", labels: [label, ("reason", code.name)], help: "KICKs by reason"))
            })
        decodeErrors = registry.makeCounter(name: "cm_decode_errors_total", labels: [label], help: "Connections closed for malformed CMP")
    }

    func received(_ type: CMPMessageType) { received[Int(type.rawValue)]?.increment() }
    func sent(_ type: CMPMessageType) { sent[Int(type.rawValue)]?.increment() }
    func login(_ result: CMPResultCode) { logins[result.rawValue]?.increment() }
    func send(_ result: CMPResultCode) { sendResults[result.rawValue]?.increment() }
    func kick(_ reason: CMPResultCode) { kicks[reason.rawValue]?.increment() }
}
