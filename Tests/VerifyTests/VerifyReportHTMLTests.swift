import Testing

@testable import Verify

@Suite("verify report HTML")
struct VerifyReportHTMLTests {
    @Test("the verdict element carries the verdict's class and word")
    func verdictClass() {
        let pass = ReportSamples.balanced().html()
        let fail = ReportSamples.unbalanced().html()
        #expect(pass.contains("<section id=\"verdict\" class=\"verdict pass\">"))
        #expect(pass.contains(">PASS</p>"))
        #expect(fail.contains("<section id=\"verdict\" class=\"verdict fail\">"))
        #expect(fail.contains(">FAIL</p>"))
        #expect(fail.contains("<li>96% of softirq time is on CPU 0</li>"))
    }

    @Test("the sections come in reading order, each once")
    func sectionOrder() throws {
        let html = ReportSamples.unbalanced().html()
        let ids = ["run", "verdict", "key-numbers", "cpu-chart", "heatmap", "loops", "latency", "nic", "findings"]
        let positions = try ids.map { id in
            #expect(count("id=\"\(id)\"", in: html) == 1, "id \(id)")
            return try #require(html.range(of: "id=\"\(id)\"")).lowerBound
        }
        #expect(positions == positions.sorted())
    }

    @Test("one utilisation chart per CPU, each stacking the four shares")
    func oneChartPerCPU() throws {
        for report in [ReportSamples.balanced(), ReportSamples.unbalanced()] {
            let charts = try #require(section("cpu-chart", in: report.html()))
            #expect(count("<svg class=\"cpu-chart\"", in: charts) == report.cpus.count)
            for series in ["s-user", "s-system", "s-irq", "s-softirq"] {
                #expect(count("<path class=\"\(series)\"", in: charts) == report.cpus.count)
                #expect(charts.contains("<span class=\"swatch \(series)\">"), "legend for \(series)")
            }
            #expect(charts.contains(">100%</text>") && charts.contains(">time (s)</text>"))
        }
    }

    @Test("the heatmap has a cell per CPU and second, each with a tooltip, and a scale")
    func heatmapCells() throws {
        let report = ReportSamples.unbalanced()
        let heatmap = try #require(section("heatmap", in: report.html()))
        #expect(count("<rect ", in: heatmap) == report.cpus.count * report.intervals.count)
        #expect(count("<title>CPU ", in: heatmap) == report.cpus.count * report.intervals.count)
        // CPU 0 at 90–92 % softirq, plus 7 % user, system and irq: a dark cell.
        #expect(heatmap.contains("<title>CPU 0, 1 s: 9"))
        #expect(count("<i class=\"h", in: heatmap) == HeatScale.steps + 1)
    }

    @Test("a long run on a big host is averaged into fewer columns and points, and says so")
    func longRunIsAveraged() throws {
        let shares = VerifyReport.CPUShare(user: 0.2, system: 0.1, irq: 0, softirq: 0.1)
        let intervals = (1...600).map { VerifyReport.Interval(offset: Double($0), cpus: Array(repeating: shares, count: 256)) }
        let report = VerifyReport(
            host: "big", kernel: "6.1", startedAt: "2026-11-27T00:00:00Z", duration: 600, verdict: .pass,
            threshold: 1.25, cpuBalance: 1, loopBalance: nil, softirqConcentration: 0.004, reasons: [],
            cpus: Array(0..<256), intervals: intervals, loops: [], load: nil, queues: [], findings: [])
        let html = report.html()
        let heatmap = try #require(section("heatmap", in: html))
        #expect(count("<rect ", in: heatmap) == 256 * 300)
        #expect(count("<title>CPU 255, 599–600 s: 40.0%</title>", in: heatmap) == 1)
        #expect(count("mean of 2 consecutive samples", in: heatmap) == 1)
        #expect(count("<svg class=\"cpu-chart\"", in: html) == 256)
        #expect(html.utf8.count < 10_000_000)
    }

    @Test("the loops table has a row per loop with bars, and flags a loop that left its pinned CPU")
    func loopsRows() throws {
        var report = ReportSamples.unbalanced()
        report.loops[2].lastCPU = 0
        report.loops[3].pinnedCPU = nil
        let loops = try #require(section("loops", in: report.html()))
        #expect(count("<tr class=\"loop", in: loops) == 4)
        #expect(count("<span class=\"bar\">", in: loops) == 8)
        #expect(count("<tr class=\"loop strayed\">", in: loops) == 1)
        #expect(loops.contains("<td>7102</td><td>2</td><td>0 <span class=\"flag\""))
        #expect(loops.contains("<td>not pinned</td>"))
        #expect(loops.contains("<td class=\"num\">12,509"))
        #expect(loops.contains("25.0%"))
    }

    @Test("latency percentiles are in milliseconds with three significant digits, counters grouped")
    func latencyFormatted() throws {
        let latency = try #require(section("latency", in: ReportSamples.unbalanced().html()))
        for cell in ["0.842", "2.31", "12.5", "48.2", "232", "2,398,700"] {
            #expect(latency.contains("<td class=\"num\">\(cell)</td>"), "\(cell)")
        }
        #expect(latency.contains("<th>connections failed</th><td class=\"num\">20</td>"))
        #expect(latency.contains("<th>lost</th><td class=\"num\">400</td>"))
        #expect(latency.contains("<th>rate (messages/s)</th><td class=\"num\">40,000</td>"))
        #expect(ReportSamples.unbalanced().html().contains("0.842 / 12.5 ms"))
    }

    @Test("number formatting: percent, ratio, milliseconds, counts, durations")
    func numberFormats() {
        #expect(ReportFormat.percent(0.4534) == "45.3%")
        #expect(ReportFormat.percent(1) == "100.0%")
        #expect(ReportFormat.ratio(1.4251) == "1.43×")
        #expect(ReportFormat.milliseconds(0.0004) == "0.000")
        #expect(ReportFormat.milliseconds(0.1234) == "0.123")
        #expect(ReportFormat.milliseconds(1.5) == "1.50")
        #expect(ReportFormat.milliseconds(12.345) == "12.3")
        #expect(ReportFormat.milliseconds(1234.5) == "1,235")
        #expect(ReportFormat.count(-1_234_567) == "-1,234,567")
        #expect(ReportFormat.count(999) == "999")
        #expect(ReportFormat.fixed(-0.04, decimals: 1) == "0.0")
        #expect(ReportFormat.duration(600) == "10 min 0 s")
        #expect(ReportFormat.duration(42.5) == "42.5 s")
        for broken in [Double.nan, .infinity, -.infinity] {
            #expect(ReportFormat.percent(broken) == ReportFormat.missing)
            #expect(ReportFormat.milliseconds(broken) == ReportFormat.missing)
            #expect(ReportFormat.rate(broken) == ReportFormat.missing)
        }
    }

    @Test("everything from the host is escaped: interface names, host, reasons, findings")
    func hostileTextIsEscaped() throws {
        var report = ReportSamples.unbalanced()
        report.host = "<script>alert('x')</script>"
        report.reasons.append("a \"quoted\" <b>reason</b> & more")
        let html = report.html()
        let nic = try #require(section("nic", in: html))
        #expect(nic.contains("<td>eth&lt;0&gt;&amp;&quot;x&quot;</td>"))
        #expect(!html.contains(ReportSamples.hostileInterface))
        #expect(!html.contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(html.contains("<li>a &quot;quoted&quot; &lt;b&gt;reason&lt;/b&gt; &amp; more</li>"))
        let findings = try #require(section("findings", in: html))
        #expect(findings.contains("All receive IRQs &lt;end up&gt; on CPU 0 &amp; nowhere else"))
        #expect(findings.contains("<code>cmtune spread &#39;eth1&#39; --rps &amp;&amp; echo f &gt; /sys/"))
        #expect(findings.contains("is &quot;0&quot;\nNET_RX"))
        #expect(String.html("a\u{0}b\u{7}c\td") == "a\u{FFFD}b\u{FFFD}c\td")
    }

    @Test("findings show a severity badge, the code, the title, evidence and the fix as code")
    func findingsList() throws {
        let findings = try #require(section("findings", in: ReportSamples.unbalanced().html()))
        #expect(count("<li class=\"finding ", in: findings) == 2)
        #expect(findings.contains("<span class=\"badge critical\">critical</span> <code class=\"code\">IRQ_ONE_CPU</code>"))
        #expect(findings.contains("<span class=\"badge warning\">warning</span>"))
        #expect(count("<div class=\"fix\">", in: findings) == 1)
        var report = ReportSamples.unbalanced()
        report.findings[1].severity = "\" onmouseover=\"x"
        let hostile = try #require(section("findings", in: report.html()))
        #expect(hostile.contains("<li class=\"finding other\">"))
        #expect(!hostile.contains("\" onmouseover"))
    }

    @Test("the page references nothing outside itself")
    func noRemoteReferences() {
        for html in [ReportSamples.balanced().html(), ReportSamples.unbalanced().html(), ReportSamples.empty().html()] {
            let lower = html.lowercased()
            #expect(!lower.contains("http://") && !lower.contains("https://"))
            #expect(!lower.contains("@import") && !lower.contains("url("))
            #expect(!lower.contains("<script") && !lower.contains("<link") && !lower.contains("<img"))
            #expect(lower.firstMatch(of: /(src|href)\s*=/) == nil)
            #expect(lower.contains("content-security-policy\" content=\"default-src 'none'"))
            #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        }
    }

    @Test("NaN and infinities never reach the page or an SVG coordinate")
    func noNaNOrInfinity() throws {
        var report = ReportSamples.unbalanced()
        report.cpuBalance = .nan
        report.loopBalance = .infinity
        report.softirqConcentration = -.infinity
        report.threshold = .nan
        report.duration = .infinity
        report.intervals[3].offset = .nan
        report.intervals[4].cpus[1] = .init(user: .nan, system: .infinity, irq: -.infinity, softirq: 0.5)
        report.intervals[5].cpus.removeLast()  // a CPU missing from one sample
        report.loops[0].busy = .nan
        report.load?.rate = .nan
        report.load?.latency?.p99 = .infinity
        let html = report.html()
        #expect(html.lowercased().firstMatch(of: /[^a-z](nan|inf|infinity)[^a-z]/) == nil)
        let charts = try #require(section("cpu-chart", in: html))
        for match in charts.matches(of: /<path class="s-[a-z]+" d="([^"]*)"/) {
            #expect(match.1.allSatisfy { $0.isNumber || " MLZ".contains($0) }, "\(match.1.prefix(60))")
        }
        let heatmap = try #require(section("heatmap", in: html))
        #expect(heatmap.contains("<title>CPU 3, 6 s: no sample</title>"))
    }

    @Test("a run that measured nothing says so in every section instead of breaking")
    func emptyReportSaysNotMeasured() throws {
        let html = ReportSamples.empty().html()
        for id in ["cpu-chart", "heatmap", "loops", "latency", "nic", "findings"] {
            let body = try #require(section(id, in: html), "section \(id)")
            #expect(body.contains("<p class=\"empty\">not measured"), "section \(id)")
        }
        #expect(!html.contains("<svg"))
        #expect(html.contains("<div class=\"value\">not measured</div>"))
        #expect(html.contains("<section id=\"verdict\" class=\"verdict fail\">"))
        var partial = ReportSamples.balanced()
        partial.load?.latency = nil
        let latency = try #require(section("latency", in: partial.html()))
        #expect(latency.contains("not measured: the load generator recorded no latencies"))
        #expect(latency.contains("<th>connections established</th><td class=\"num\">50,000</td>"))
    }

    @Test("a single sample still draws an area from the start of the run")
    func singleSample() throws {
        var report = ReportSamples.balanced()
        report.intervals = [report.intervals[0]]
        let charts = try #require(section("cpu-chart", in: report.html()))
        #expect(charts.contains("<path class=\"s-user\" d=\"M0 1000L0 "))
        let heatmap = try #require(section("heatmap", in: report.html()))
        #expect(count("<rect ", in: heatmap) == 2)
    }
}

/// The text of `<section id="ID">` up to its end (sections do not nest).
func section(_ id: String, in html: String) -> Substring? {
    let bytes = Array(html.utf8)
    guard let start = offset(of: "<section id=\"\(id)\"", in: bytes, from: 0),
        let end = offset(of: "</section>", in: bytes, from: start)
    else { return nil }
    let utf8 = html.utf8
    return html[utf8.index(utf8.startIndex, offsetBy: start)..<utf8.index(utf8.startIndex, offsetBy: end + 10)]
}

/// Occurrences of `needle` in `text`, searched as UTF-8 bytes: the big-host page is megabytes
/// and a test must not take minutes in a debug build.
func count(_ needle: String, in text: some StringProtocol) -> Int {
    let bytes = Array(text.utf8)
    let length = needle.utf8.count
    var total = 0
    var position = 0
    while let found = offset(of: needle, in: bytes, from: position) {
        total += 1
        position = found + length
    }
    return total
}

private func offset(of needle: String, in bytes: [UInt8], from start: Int) -> Int? {
    let pattern = Array(needle.utf8)
    guard let first = pattern.first, bytes.count >= pattern.count else { return nil }
    return bytes.withUnsafeBufferPointer { haystack in
        pattern.withUnsafeBufferPointer { pattern in
            var index = start
            let last = haystack.count - pattern.count
            while index <= last {
                if haystack[index] == first {
                    var matched = 1
                    while matched < pattern.count && haystack[index + matched] == pattern[matched] { matched += 1 }
                    if matched == pattern.count { return index }
                }
                index += 1
            }
            return nil
        }
    }
}
