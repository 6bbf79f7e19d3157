/// What diagnosis found, worst first as the producer ranked it: a severity badge, the stable
/// code (what a runbook or an alert greps for), the title, the evidence, and the exact fix as
/// code to copy.
struct FindingsList {
    let findings: [VerifyReport.Finding]

    func write(into html: inout String) {
        html += "<ol class=\"findings-list\">\n"
        for finding in findings {
            // The class comes from a fixed set: a severity string is data, never markup.
            let severity = Self.severityClass(finding.severity)
            html += "<li class=\"finding "
            html += severity
            html += "\"><div class=\"finding-head\"><span class=\"badge "
            html += severity
            html += "\">"
            html.appendHTML(finding.severity)
            html += "</span> <code class=\"code\">"
            html.appendHTML(finding.code)
            html += "</code> <strong>"
            html.appendHTML(finding.title)
            html += "</strong></div>\n<p class=\"evidence\">"
            html.appendHTML(finding.evidence)
            html += "</p>\n"
            if let fix = finding.fix, !fix.isEmpty {
                html += "<div class=\"fix\"><span>fix</span><pre><code>"
                html.appendHTML(fix)
                html += "</code></pre></div>\n"
            }
            html += "</li>\n"
        }
        html += "</ol>\n"
    }

    static func severityClass(_ severity: String) -> String {
        switch severity.lowercased() {
        case "critical": "critical"
        case "warning", "warn": "warning"
        case "info": "info"
        default: "other"
        }
    }
}
