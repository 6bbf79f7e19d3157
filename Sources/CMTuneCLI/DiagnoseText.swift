import HostKit
import Tuning

/// The human view of `cmtune diagnose`: the verdict, findings ranked with evidence and fix,
/// then the per-CPU table the findings came from.
struct DiagnoseText {
    let console: Console

    func render(_ diagnosis: Diagnosis) -> String {
        var lines: [String] = []
        let counts = Dictionary(grouping: diagnosis.findings, by: \.severity).mapValues(\.count)
        var summary = diagnosis.verdict.rawValue.uppercased()
        let parts = [(Observation.Severity.critical, "critical", "critical"), (.warning, "warning", "warnings"), (.info, "note", "notes")].compactMap {
            severity, singular, plural in
            counts[severity].map { Plural.count($0, singular, plural) }
        }
        if !parts.isEmpty { summary += ": " + parts.joined(separator: ", ") }
        switch diagnosis.basis {
        case .sampled:
            if let rates = diagnosis.rates { summary += " (sampled \(NumberText.seconds(rates.seconds)) s, \(Plural.count(rates.cpus.count, "CPU")))" }
        case .sinceBoot:
            if let rates = diagnosis.rates {
                summary += " (averages since boot, \(NumberText.seconds(rates.seconds)) s, from \(diagnosis.inventory.root))"
            }
        case .staticCopy:
            summary += " (static verdict: \(diagnosis.inventory.root) has no CPU counters to sample; judged from its files and the interrupt counts since boot)"
        }
        let style: Console.Style = diagnosis.verdict == .critical ? .red : diagnosis.verdict == .warning ? .yellow : .bold
        lines.append(console.paint(summary, style))
        for reason in diagnosis.checksNotRun { lines.append(console.paint("could not check: ", .yellow) + reason) }
        for finding in diagnosis.findings {
            let marker: String
            switch finding.severity {
            case .critical: marker = console.paint("!!", .red)
            case .warning: marker = console.paint("! ", .yellow)
            case .info: marker = console.paint("i ", .cyan)
            }
            lines.append("")
            lines.append("\(marker) \(console.paint(finding.code, .bold))  \(finding.subject)")
            lines.append("   \(finding.evidence)")
            if let fix = finding.fix, !fix.isEmpty {
                for (position, command) in fix.split(separator: "; ").enumerated() {
                    lines.append("   \(position == 0 ? "fix:" : "    ") \(command)")
                }
            }
            if let manual = finding.manualFix, !manual.isEmpty {
                let commands = manual.split(separator: "; ")
                lines.append(
                    "   by hand: " + commands.prefix(3).joined(separator: "; ") + (commands.count > 3 ? "; ... (\(commands.count - 3) more in --json)" : ""))
            }
        }
        if let rates = diagnosis.rates, !rates.cpus.isEmpty {
            lines.append("")
            lines.append(contentsOf: CPURateTable(console: console, perSecondLabel: diagnosis.ratesSinceBoot ? "avg/s" : "/s").render(rates))
            for note in rates.notes { lines.append(console.paint("note: \(note)", .dim)) }
        }
        return lines.joined(separator: "\n")
    }
}

/// Per-CPU utilisation and network rates, shared by `diagnose` and `top`.
struct CPURateTable {
    let console: Console
    var perSecondLabel = "/s"
    var barWidth = 0

    func render(_ rates: CounterRates) -> [String] {
        var columns: [(String, TextTable.Alignment)] = [
            ("CPU", .right), ("%usr", .right), ("%sys", .right), ("%irq", .right), ("%soft", .right), ("%idle", .right),
            ("NET_RX\(perSecondLabel)", .right), ("pkts\(perSecondLabel)", .right), ("drops\(perSecondLabel)", .right),
            ("squeeze\(perSecondLabel)", .right),
        ]
        if barWidth > 0 { columns.append(("", .left)) }
        var table = TextTable(columns)
        for rate in rates.cpus {
            func percent(_ value: Double?) -> String { value.map { String(format1: $0) } ?? "?" }
            func count(_ value: Double?) -> String { value.map(NumberText.grouped) ?? "?" }
            let hot = (rate.softirq ?? 0) >= 90 || (rate.irq ?? 0) >= 90
            var cells: [TextTable.Cell] = [
                .init(text: String(rate.cpu), style: nil),
                .init(text: percent(rate.user), style: nil),
                .init(text: percent(rate.system), style: nil),
                .init(text: percent(rate.irq), style: (rate.irq ?? 0) >= 90 ? .red : nil),
                .init(text: percent(rate.softirq), style: (rate.softirq ?? 0) >= 90 ? .red : nil),
                .init(text: percent(rate.idle), style: nil),
                .init(text: count(rate.netRX), style: nil),
                .init(text: count(rate.processed), style: nil),
                .init(text: count(rate.dropped), style: (rate.dropped ?? 0) > 0 ? .red : nil),
                .init(text: count(rate.squeezed), style: (rate.squeezed ?? 0) > 0 ? .yellow : nil),
            ]
            if barWidth > 0 { cells.append(.init(text: bar(rate), style: hot ? .red : nil)) }
            table.add(styled: cells)
        }
        return table.render(console: console)
    }

    /// Busy time as a bar: `u` user, `s` system, `i` hard IRQ, `S` softirq.
    func bar(_ rate: CounterRates.CPURate) -> String {
        let scale = Double(barWidth) / 100
        var text = ""
        for (value, mark) in [(rate.user, "u"), (rate.system, "s"), (rate.irq, "i"), (rate.softirq, "S")] {
            text += String(repeating: mark, count: Int(((value ?? 0) * scale).rounded()))
        }
        text = String(text.prefix(barWidth))
        return "[" + text + String(repeating: " ", count: barWidth - text.count) + "]"
    }
}

extension String {
    /// One decimal, the way mpstat prints percentages.
    init(format1 value: Double) {
        let tenths = (value * 10).rounded()
        self = String(Int(tenths) / 10) + "." + String(abs(Int(tenths)) % 10)
    }
}
