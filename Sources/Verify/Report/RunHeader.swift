/// The page's first lines: which host, which kernel, when and for how long. A report is
/// mailed around and filed in tickets; without these it cannot be told from another run's.
struct RunHeader {
    let report: VerifyReport

    func write(into html: inout String) {
        html += "<header id=\"run\"><h1>cmtune verify <span class=\"host\">"
        html.appendHTML(report.host)
        html += "</span></h1>\n<dl class=\"facts\">"
        fact("host", escaping: report.host, into: &html)
        fact("kernel", escaping: report.kernel, into: &html)
        fact("started (UTC)", escaping: report.startedAt, into: &html)
        fact("duration", escaping: ReportFormat.duration(report.duration), into: &html)
        fact("CPUs", escaping: ReportFormat.count(report.cpus.count), into: &html)
        fact("samples", escaping: ReportFormat.count(report.intervals.count), into: &html)
        html += "</dl></header>\n"
    }

    private func fact(_ name: String, escaping value: String, into html: inout String) {
        html += "<div><dt>"
        html += name
        html += "</dt><dd>"
        html.appendHTML(value.isEmpty ? ReportFormat.missing : value)
        html += "</dd></div>"
    }
}
