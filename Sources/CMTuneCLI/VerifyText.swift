import Verify

/// The terminal form of a verify run: verdict first, then why, then the numbers.
enum VerifyText {
    static func render(_ report: VerifyReport, reportPath: String?) -> String {
        var lines = ["verify: \(report.verdict == .pass ? "PASS" : "FAIL") (threshold \(report.threshold))"]
        lines += report.reasons.map { "  - \($0)" }
        lines.append("per CPU (mean over \(report.intervals.count) s):   user  system   irq  softirq   busy")
        for (cpu, share) in zip(report.cpus, report.meanShares) {
            lines.append(
                "  CPU \(pad(String(cpu), 3))                  \(pct(share.user)) \(pct(share.system)) \(pct(share.irq)) \(pct(share.softirq)) \(pct(share.busy))"
            )
        }
        if !report.loops.isEmpty {
            lines.append("CM loops:")
            for loop in report.loops {
                lines.append(
                    "  loop \(loop.index) tid \(loop.threadID) cpu \(loop.pinnedCPU.map(String.init) ?? "-") busy \(pct(loop.busy)) connections \(loop.connections)"
                )
            }
        }
        if let load = report.load {
            var text =
                "load: \(load.connectionsOK) connected, \(load.connectionsFailed) failed; \(load.sent) sent, \(load.delivered) delivered, \(load.lost) lost, \(Int(load.rate))/s"
            if let latency = load.latency { text += "; latency p50 \(ms(latency.p50)) p99 \(ms(latency.p99)) max \(ms(latency.max)) ms" }
            lines.append(text)
        }
        for finding in report.findings {
            lines.append("\(finding.severity): \(finding.title): \(finding.evidence)\(finding.fix.map { " — fix: \($0)" } ?? "")")
        }
        if let reportPath { lines.append("report: \(reportPath)") }
        return lines.joined(separator: "\n")
    }

    private static func pct(_ share: Double) -> String {
        pad(String(format1(share * 100)), 6)
    }

    private static func ms(_ value: Double) -> String { String(format1(value)) }

    private static func format1(_ value: Double) -> Double { (value * 10).rounded() / 10 }

    private static func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
