/// The CM's event loop threads: where each is pinned, where it last ran, how many connections
/// it holds and how busy it was. Bars make the odd one out visible at a glance: a loop that
/// holds its share of connections but burns twice the CPU shares its core with softirq.
struct LoopsTable {
    let loops: [VerifyReport.LoopRow]

    func write(into html: inout String) {
        let busiest = loops.map { clean($0.busy) }.max() ?? 0
        let mostConnections = loops.map(\.connections).max() ?? 0
        html += "<table class=\"loops-table\"><thead><tr><th>loop</th><th>thread id</th><th>pinned CPU</th>"
        html += "<th>last CPU</th><th class=\"num\">connections</th><th class=\"num\">busy</th></tr></thead><tbody>\n"
        for loop in loops {
            let busy = clean(loop.busy)
            // A pinned thread seen on another CPU means the pinning did not hold.
            let strayed = loop.pinnedCPU != nil && loop.lastCPU != nil && loop.pinnedCPU != loop.lastCPU
            html += strayed ? "<tr class=\"loop strayed\">" : "<tr class=\"loop\">"
            html += "<td>"
            html += String(loop.index)
            html += "</td><td>"
            html += String(loop.threadID)
            html += "</td><td>"
            html += loop.pinnedCPU.map(String.init) ?? "not pinned"
            html += "</td><td>"
            html += loop.lastCPU.map(String.init) ?? ReportFormat.missing
            if strayed { html += " <span class=\"flag\" title=\"ran on another CPU than its pin\">moved</span>" }
            html += "</td><td class=\"num\">"
            html += ReportFormat.count(loop.connections)
            writeBar(share: mostConnections > 0 ? Double(loop.connections) / Double(mostConnections) : 0, kind: "conn", into: &html)
            html += "</td><td class=\"num\">"
            html += ReportFormat.percent(busy)
            writeBar(share: busy, kind: busy >= busiest && loops.count > 1 ? "busy top" : "busy", into: &html)
            html += "</td></tr>\n"
        }
        html += "</tbody></table>\n"
    }

    /// A bar as wide as `share` of its cell; an inline width because it is data, not style.
    private func writeBar(share: Double, kind: String, into html: inout String) {
        html += "<span class=\"bar\"><span class=\""
        html += kind
        html += "\" style=\"width:"
        html += ReportFormat.fixed(clean(share) * 100, decimals: 1)
        html += "%\"></span></span>"
    }

    private func clean(_ value: Double) -> Double {
        value.isFinite ? min(max(value, 0), 1) : 0
    }
}
