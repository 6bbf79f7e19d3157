/// The handful of numbers the verdict rests on, each beside what it is judged against, so a
/// reader sees how far from the threshold the run was and not only which side of it.
struct KeyNumbers {
    let report: VerifyReport

    func write(into html: inout String) {
        html += "<section id=\"key-numbers\"><h2>Key numbers</h2><div class=\"numbers\">\n"
        let threshold = ReportFormat.ratio(report.threshold)
        number(
            "CPU balance", ReportFormat.ratio(report.cpuBalance),
            note: "busiest CPU ÷ mean; fails above " + threshold,
            state: judge(report.cpuBalance), into: &html)
        if let loopBalance = report.loopBalance {
            number(
                "loop balance", ReportFormat.ratio(loopBalance),
                note: "busiest event loop ÷ mean; fails above " + threshold,
                state: judge(loopBalance), into: &html)
        } else {
            number("loop balance", "not measured", note: "no event loop data", state: "", into: &html)
        }
        if let concentration = report.softirqConcentration {
            let even = report.cpus.isEmpty ? ReportFormat.missing : ReportFormat.percent(1 / Double(report.cpus.count))
            number(
                "softirq concentration", ReportFormat.percent(concentration),
                note: "busiest CPU's share of all softirq; even is " + even, state: "", into: &html)
        } else {
            number("softirq concentration", "not measured", note: "no softirq samples", state: "", into: &html)
        }
        if let load = report.load {
            number("load rate", ReportFormat.rate(load.rate), note: "messages per second sent", state: "", into: &html)
        } else {
            number("load rate", "not measured", note: "no load summary", state: "", into: &html)
        }
        if let latency = report.load?.latency {
            number(
                "latency p50 / p99",
                ReportFormat.milliseconds(latency.p50) + " / " + ReportFormat.milliseconds(latency.p99) + " ms",
                note: "end-to-end delivery, " + ReportFormat.count(latency.count) + " messages", state: "",
                into: &html)
        } else {
            number("latency p50 / p99", "not measured", note: "no latency histogram", state: "", into: &html)
        }
        html += "</div></section>\n"
    }

    /// "bad" past the threshold, "good" within it; nothing when either is not a number.
    private func judge(_ ratio: Double) -> String {
        guard ratio.isFinite, report.threshold.isFinite else { return "" }
        return ratio > report.threshold ? "bad" : "good"
    }

    private func number(_ name: String, _ value: String, note: String, state: String, into html: inout String) {
        html += state.isEmpty ? "<div class=\"number\">" : "<div class=\"number \(state)\">"
        html += "<div class=\"name\">"
        html += name
        html += "</div><div class=\"value\">"
        html += value
        html += "</div><div class=\"note\">"
        html += note
        html += "</div></div>\n"
    }
}
