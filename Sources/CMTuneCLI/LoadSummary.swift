import Load

/// The text forms of a load run: the live progress line and the closing summary.
enum LoadSummary {
    static func progressLine(_ progress: LoadGenerator.Progress, of connections: Int) -> String {
        let time = "\(Int(progress.elapsed))s"
        switch progress.phase {
        case .ramp:
            return "ramp \(time): \(progress.loggedIn)/\(connections) logged in, \(progress.failed) failed"
        case .send, .drain:
            return
                "\(progress.phase.rawValue) \(time): \(progress.loggedIn) connected, sent \(progress.sent), acked \(progress.ackedSuccess), delivered \(progress.delivered)"
        }
    }

    static func text(_ result: LoadResult) -> String {
        var lines: [String] = []
        lines.append("target        \(result.target)  pattern \(result.pattern)  payload \(result.payloadBytes) B")
        lines.append(
            "connections   \(result.connectionsOK) ok, \(result.connectionsFailed) failed of \(result.connectionsRequested) (ramp \(format(result.rampSeconds)) s)"
        )
        for (reason, count) in result.failures.sorted(by: { $0.value > $1.value }) { lines.append("  failed      \(count) × \(reason)") }
        lines.append(
            "messages      \(result.messages) in \(format(result.seconds)) s (\(format(result.messageRate))/s of \(format(result.rateRequested))/s asked): \(result.sent) SENDs, \(result.notSent) not sent (connection buffer full)"
        )
        let acks = result.acks.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        lines.append("acks          \(acks.isEmpty ? "none" : acks)")
        lines.append("delivered     \(result.delivered) (\(format(result.deliveryRate))/s), lost \(result.lost)")
        if let latency = result.latency {
            lines.append(
                "latency ms    p50 \(format(latency.p50))  p90 \(format(latency.p90))  p99 \(format(latency.p99))  p99.9 \(format(latency.p999))  max \(format(latency.max))  (\(latency.count) deliveries, from intended send time)"
            )
        }
        if result.disconnected > 0 || !result.kicks.isEmpty {
            let kicks = result.kicks.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            lines.append("dropped       \(result.disconnected) connections\(kicks.isEmpty ? "" : "; kicks: \(kicks)")")
        }
        var cpu = "cpu           generator \(format(result.generatorCPUSeconds)) s"
        if let cm = result.cmCPUSeconds { cpu += ", CM \(format(cm)) s" }
        if let perSecond = result.deliveriesPerCMCPUSecond { cpu += " (\(format(perSecond)) deliveries per CM CPU second)" }
        lines.append(cpu)
        let verdict =
            if result.succeeded {
                "ok: every acked message was delivered"
            } else if result.connectionsOK == 0 {
                "FAILED: no connection logged in"
            } else {
                "FAILED: \(result.lost) messages acked as delivered never arrived"
            }
        lines.append("result        \(verdict)")
        return lines.joined(separator: "\n")
    }

    private static func format(_ value: Double) -> String {
        if value >= 100 { return String(Int(value.rounded())) }
        if value >= 10 { return String(Double(Int(value * 10)) / 10) }
        return String(Double(Int(value * 100)) / 100)
    }
}
