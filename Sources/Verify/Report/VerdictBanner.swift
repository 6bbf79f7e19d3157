/// PASS or FAIL, big, in green or red, with the sentences that say why: the one thing a
/// reader must get from the report even if they read nothing else.
struct VerdictBanner {
    let report: VerifyReport

    func write(into html: inout String) {
        let verdict = report.verdict == .pass ? "pass" : "fail"
        html += "<section id=\"verdict\" class=\"verdict "
        html += verdict
        html += "\"><p class=\"verdict-word\">"
        html += verdict.uppercased()
        html += "</p>"
        if report.reasons.isEmpty {
            html += "<p class=\"reasons\">No reasons were recorded.</p>"
        } else {
            html += "<ul class=\"reasons\">"
            for reason in report.reasons {
                html += "<li>"
                html.appendHTML(reason)
                html += "</li>"
            }
            html += "</ul>"
        }
        html += "</section>\n"
    }
}
