/// Every CPU's busy share, second by second, as one picture: rows are CPUs, columns are
/// seconds, colour is the share (`HeatScale`). A core pinned at 100 % softirq while its
/// neighbours idle is one dark stripe, which no table shows as fast.
///
/// Each cell is an SVG `<rect>` with a `<title>`, so hovering tells CPU, time and share.
/// Cells are sized by the stylesheet (`width`/`height` 1 in the viewBox's units, one unit per
/// cell) rather than by attributes, which saves a fifth of the heatmap's bytes; rows are
/// `<g>` translations so a cell carries only its column. Past `maximumCells`, neighbouring
/// seconds are averaged into one column so that 256 CPUs × 600 s stays a few megabytes.
struct Heatmap {
    /// Cells at most: about 70 bytes each, so the heatmap stays under 7 MB.
    static let maximumCells = 100_000

    let report: VerifyReport
    let columns: IntervalBuckets

    init(report: VerifyReport) {
        self.report = report
        columns = IntervalBuckets(
            count: report.intervals.count, maximum: Self.maximumCells / max(report.cpus.count, 1))
    }

    var cellCount: Int { report.cpus.count * columns.count }

    /// Bytes the heatmap takes, roughly, for reserving the page's capacity.
    var estimatedSize: Int { 4_000 + report.cpus.count * 120 + cellCount * 72 }

    /// The height of one row on screen: tall enough to see on small hosts, at least 3 px on
    /// big ones so 256 CPUs stay under 800 px.
    private var rowHeight: Double {
        min(18, max(3, 480 / Double(max(report.cpus.count, 1))))
    }

    func write(into html: inout String) {
        let rows = report.cpus.count
        let height = ReportFormat.fixed(rowHeight * Double(rows), decimals: 0)
        if columns.merges {
            html += "<p class=\"note\">Each column is the mean of "
            html += ReportFormat.count(columns.width)
            html += " consecutive samples ("
            html += ReportFormat.count(report.intervals.count)
            html += " samples in "
            html += ReportFormat.count(columns.count)
            html += " columns), to keep the page small.</p>\n"
        }
        html += "<div class=\"heatmap\">\n<div class=\"hm-rows\" style=\"height:"
        html += height
        html += "px\">"
        writeRowLabels(into: &html)
        html +=
            "</div>\n<svg class=\"hm-cells\" viewBox=\"0 0 \(columns.count) \(rows)\" preserveAspectRatio=\"none\" shape-rendering=\"crispEdges\" style=\"height:"
        html += height
        html += "px\" role=\"img\"><title>Busy share per CPU and second</title>\n"
        writeCells(into: &html)
        html += "</svg>\n<div></div><div class=\"hm-time\">"
        writeTimeLabels(into: &html)
        html += "</div>\n</div>\n"
        writeScale(into: &html)
    }

    private func writeCells(into html: inout String) {
        // The time part of each column's tooltip is the same for every CPU: make it once.
        let columnLabels: [String] = columns.ranges.map { range in
            let first = ReportFormat.seconds(report.offset(ofInterval: range.lowerBound))
            guard range.count > 1 else { return first + " s: " }
            return first + "–" + ReportFormat.seconds(report.offset(ofInterval: range.upperBound - 1)) + " s: "
        }
        for (row, cpu) in report.cpus.enumerated() {
            let rowLabel = "<title>CPU " + String(cpu) + ", "
            html += "<g transform=\"translate(0 "
            html += String(row)
            html += ")\">"
            for (column, range) in columns.ranges.enumerated() {
                var sum = 0.0
                var samples = 0
                for index in range {
                    let shares = report.intervals[index].cpus
                    guard row < shares.count else { continue }
                    sum += ShareSeries.busy(of: shares[row])
                    samples += 1
                }
                let busy = samples > 0 ? sum / Double(samples) : 0
                html += "<rect x=\""
                html += String(column)
                html += "\" class=\"h"
                html += String(HeatScale.bucket(busy))
                html += "\">"
                html += rowLabel
                html += columnLabels[column]
                html += samples > 0 ? ReportFormat.percent(busy) : "no sample"
                html += "</title></rect>"
            }
            html += "</g>\n"
        }
    }

    /// CPU ids beside their rows; on big hosts only every few rows, so labels never overlap.
    private func writeRowLabels(into html: inout String) {
        let rows = report.cpus.count
        let every = max(1, Int((13 / rowHeight).rounded(.up)))
        for (row, cpu) in report.cpus.enumerated() where row % every == 0 {
            html += "<span style=\"top:"
            html += ReportFormat.fixed((Double(row) + 0.5) / Double(rows) * 100, decimals: 2)
            html += "%\">CPU "
            html += String(cpu)
            html += "</span>"
        }
    }

    private func writeTimeLabels(into html: inout String) {
        let end = report.timeAxisEnd
        for tick in AxisTicks.seconds(upTo: end, maximumCount: 11) {
            // A label at the right edge is right-aligned, not centred past the page's edge.
            html += tick / end > 0.97 ? "<span class=\"end\" style=\"left:" : "<span style=\"left:"
            html += ReportFormat.fixed(tick / end * 100, decimals: 2)
            html += "%\">"
            html += ReportFormat.seconds(tick)
            html += "</span>"
        }
        html += "<span class=\"unit\">time (s)</span>"
    }

    /// The colour scale, as HTML swatches in the same classes the cells use.
    private func writeScale(into html: inout String) {
        html += "<div class=\"heat-scale\"><span>0%</span><span class=\"ramp\">"
        for bucket in 0...HeatScale.steps {
            html += "<i class=\""
            html += HeatScale.cssClass(bucket)
            html += "\" title=\""
            html += ReportFormat.percent(Double(bucket) / Double(HeatScale.steps))
            html += "\"></i>"
        }
        html += "</span><span>100%</span> <span class=\"note\">busy share of the CPU (user + system + irq + softirq)</span></div>\n"
    }
}
