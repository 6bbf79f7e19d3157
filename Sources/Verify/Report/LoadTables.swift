/// What the load generator measured: delivery latency percentiles and the counters that say
/// whether the load was real (a balanced host under a load that failed to connect proves
/// nothing). Two small tables rather than one, as the units differ.
struct LoadTables {
    let load: VerifyReport.LoadSummary

    func write(into html: inout String) {
        html += "<h3>Delivery latency (ms)</h3>\n"
        if let latency = load.latency {
            html += "<table class=\"latency-table\"><thead><tr>"
            for name in ["p50", "p90", "p99", "p99.9", "max", "count"] {
                html += "<th class=\"num\">\(name)</th>"
            }
            html += "</tr></thead><tbody><tr>"
            for value in [latency.p50, latency.p90, latency.p99, latency.p999, latency.max] {
                html += "<td class=\"num\">"
                html += ReportFormat.milliseconds(value)
                html += "</td>"
            }
            html += "<td class=\"num\">"
            html += ReportFormat.count(latency.count)
            html += "</td></tr></tbody></table>\n"
        } else {
            html += ReportPage.notMeasured("the load generator recorded no latencies")
        }

        html += "<h3>Load</h3>\n<table class=\"load-table\"><tbody>\n"
        let rows: [(String, String, Bool)] = [
            ("connections established", ReportFormat.count(load.connectionsOK), false),
            ("connections failed", ReportFormat.count(load.connectionsFailed), load.connectionsFailed > 0),
            ("messages sent", ReportFormat.count(load.sent), false),
            ("acknowledged", ReportFormat.count(load.acked), false),
            ("delivered", ReportFormat.count(load.delivered), false),
            ("lost", ReportFormat.count(load.lost), load.lost > 0),
            ("rate (messages/s)", ReportFormat.rate(load.rate), false),
        ]
        for (name, value, bad) in rows {
            html += bad ? "<tr class=\"bad\"><th>" : "<tr><th>"
            html += name
            html += "</th><td class=\"num\">"
            html += value
            html += "</td></tr>\n"
        }
        html += "</tbody></table>\n"
    }
}
