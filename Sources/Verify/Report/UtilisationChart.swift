/// One CPU's utilisation over the run as a small inline SVG: user, system, irq and softirq
/// stacked from the bottom, y 0–100 %, x in seconds since the run started.
///
/// The data sits in a nested `<svg>` whose viewBox is 0…1000 on both axes and stretches to
/// the plot area (`preserveAspectRatio="none"`): coordinates are then small integers (0.1 %
/// resolution, finer than the plot's pixels) and the file stays small, while the axes and
/// their labels, outside that box, keep their proportions. Each layer is drawn as the area
/// from the axis up to its cumulative top, largest first, so a layer needs only its upper
/// edge: half the points of a polygon with both edges.
struct UtilisationChart {
    /// Points per chart at most; longer runs are averaged into this many buckets.
    static let maximumPoints = 300

    // Geometry of the outer SVG, in its viewBox units.
    private static let width = 320
    private static let height = 126
    private static let plotLeft = 38
    private static let plotTop = 8
    private static let plotWidth = 270
    private static let plotHeight = 92

    let report: VerifyReport
    /// Index of the CPU in `report.cpus` and in every interval.
    let position: Int
    let mean: VerifyReport.CPUShare
    let buckets: IntervalBuckets
    let axisEnd: Double
    let ticks: [Double]

    /// Bytes one chart takes, roughly, for reserving the page's capacity.
    static func estimatedSize(points: Int) -> Int { 1_600 + points * 4 * 9 }

    func write(into html: inout String) {
        let cpu = report.cpus[position]
        html += "<figure class=\"cpu\" id=\"cpu-"
        html += String(cpu)
        html += "\"><figcaption><b>CPU "
        html += String(cpu)
        html += "</b> "
        html += ReportFormat.percent(ShareSeries.busy(of: mean))
        html += " busy · softirq "
        html += ReportFormat.percent(ShareSeries.softirq.value(of: mean))
        html += "</figcaption>\n<svg class=\"cpu-chart\" viewBox=\"0 0 \(Self.width) \(Self.height)\" role=\"img\"><title>CPU "
        html += String(cpu)
        html += ", mean over the run:"
        for series in ShareSeries.allCases {
            html += " "
            html += series.label
            html += " "
            html += ReportFormat.percent(series.value(of: mean))
        }
        html += "</title>\n"
        writeGrid(into: &html)
        writeAreas(into: &html)
        writeAxes(into: &html)
        html += "</svg></figure>\n"
    }

    /// Horizontal lines at 0, 50 and 100 %, under the data: visible where the CPU idled.
    private func writeGrid(into html: inout String) {
        html += "<g class=\"grid\">"
        for percent in [0, 25, 50, 75, 100] {
            let y = Self.plotTop + Self.plotHeight - Self.plotHeight * percent / 100
            html += "<line x1=\"\(Self.plotLeft)\" y1=\"\(y)\" x2=\"\(Self.plotLeft + Self.plotWidth)\" y2=\"\(y)\"/>"
        }
        html += "</g>\n"
    }

    private func writeAreas(into html: inout String) {
        // Per bucket: x in 0...1000 and the cumulative tops of the four layers in 0...1000.
        var xs: [Int] = []
        var tops: [[Int]] = Array(repeating: [], count: ShareSeries.allCases.count)
        xs.reserveCapacity(buckets.count + 1)
        for index in tops.indices { tops[index].reserveCapacity(buckets.count + 1) }
        for range in buckets.ranges {
            var offsetSum = 0.0
            var sums = [Double](repeating: 0, count: ShareSeries.allCases.count)
            var samples = 0
            for index in range {
                offsetSum += report.offset(ofInterval: index)
                let shares = report.intervals[index].cpus
                guard position < shares.count else { continue }
                samples += 1
                for (layer, series) in ShareSeries.allCases.enumerated() {
                    sums[layer] += series.value(of: shares[position])
                }
            }
            xs.append(scaled(offsetSum / Double(range.count) / axisEnd))
            var cumulative = 0.0
            for layer in sums.indices {
                cumulative += samples > 0 ? sums[layer] / Double(samples) : 0
                tops[layer].append(1000 - scaled(cumulative))
            }
        }
        // One sample is a point, not an area: stretch it back to the start of the run.
        if xs.count == 1 {
            xs.insert(0, at: 0)
            for layer in tops.indices { tops[layer].insert(tops[layer][0], at: 0) }
        }
        guard let firstX = xs.first, let lastX = xs.last else { return }

        html +=
            "<svg x=\"\(Self.plotLeft)\" y=\"\(Self.plotTop)\" width=\"\(Self.plotWidth)\" height=\"\(Self.plotHeight)\" viewBox=\"0 0 1000 1000\" preserveAspectRatio=\"none\">"
        for (layer, series) in ShareSeries.allCases.enumerated().reversed() {
            html += "<path class=\""
            html += series.cssClass
            html += "\" d=\"M"
            html += String(firstX)
            html += " 1000L"
            for (x, y) in zip(xs, tops[layer]) {
                html += String(x)
                html += " "
                html += String(y)
                html += " "
            }
            html += String(lastX)
            html += " 1000Z\"/>"
        }
        html += "</svg>\n"
    }

    private func writeAxes(into html: inout String) {
        let bottom = Self.plotTop + Self.plotHeight
        let right = Self.plotLeft + Self.plotWidth
        html += "<g class=\"axis\"><path d=\"M\(Self.plotLeft) \(Self.plotTop)V\(bottom)H\(right)\"/>"
        for percent in [0, 50, 100] {
            let y = bottom - Self.plotHeight * percent / 100
            html += "<text x=\"\(Self.plotLeft - 4)\" y=\"\(y + 3)\" text-anchor=\"end\">\(percent)%</text>"
        }
        for tick in ticks {
            let x = Self.plotLeft + Self.plotWidth * scaled(tick / axisEnd) / 1000
            html += "<line x1=\"\(x)\" y1=\"\(bottom)\" x2=\"\(x)\" y2=\"\(bottom + 3)\"/>"
            html += "<text x=\"\(x)\" y=\"\(bottom + 13)\" text-anchor=\"middle\">"
            html += ReportFormat.seconds(tick)
            html += "</text>"
        }
        html += "<text x=\"\(right)\" y=\"\(Self.height - 1)\" text-anchor=\"end\" class=\"axis-title\">time (s)</text>"
        html += "</g>\n"
    }

    /// A 0...1 position as an integer 0...1000; NaN becomes 0.
    private func scaled(_ fraction: Double) -> Int {
        guard fraction.isFinite else { return 0 }
        return Int((min(max(fraction, 0), 1) * 1000).rounded())
    }
}
