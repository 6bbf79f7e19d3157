import CMTuneTestSupport
import Foundation
import Testing

@testable import Verify

/// The report rendered by a real browser: the screenshot must be the size asked for, not
/// blank, and show the verdict banner's colour and the charts' series colours in quantity.
@Suite(
    "verify report in a browser", .serialized,
    .enabled(if: HeadlessChromium.available, "needs chromium and python3 with zlib (apt-get install chromium python3)"))
struct VerifyReportBrowserTests {
    @Test("a failing run renders a red banner, the softirq-heavy chart of CPU 0 and its dark heatmap row")
    func failingRunRenders() throws {
        let report = ReportSamples.unbalanced()
        let image = try render(report)
        #expect(image.count(of: ReportStyle.failColour) > 50_000)
        // Green only where a number passed (loop balance), never a banner's worth.
        #expect(image.count(of: ReportStyle.passColour) < 5_000)
        // CPU 0's plot is about 250 × 86 pixels, 90 % of it softirq.
        #expect(image.count(of: ShareSeries.softirq.colour) > 10_000)
        #expect(image.count(of: ShareSeries.user.colour) > 1_000)
        #expect(image.count(of: ShareSeries.system.colour) > 500)
        // CPU 0's heatmap row (18 pixels high) is the 95–100 % buckets.
        let hot = (19...20).reduce(0) { $0 + image.count(of: HeatScale.colour($1)) }
        #expect(hot > 10_000)
    }

    @Test("a passing run renders a green banner and both CPUs' charts")
    func passingRunRenders() throws {
        let image = try render(ReportSamples.balanced())
        #expect(image.count(of: ReportStyle.passColour) > 50_000)
        #expect(image.count(of: ReportStyle.failColour) < 5_000)
        #expect(image.count(of: ShareSeries.user.colour) > 5_000)
        #expect(image.count(of: ShareSeries.softirq.colour) > 1_000)
    }

    /// Screenshots `report` at 1280×2000 and checks the PNG is that size and not blank.
    private func render(_ report: VerifyReport) throws -> PNGScreenshot {
        let directory = FixtureTree()  // removed, with the browser profile, when the test ends
        let path = try HeadlessChromium.screenshot(of: report.html(), width: 1280, height: 2000, in: directory.path)
        let image = try PNGScreenshot(path: path, scratch: directory.path)
        #expect(image.width == 1280 && image.height == 2000)
        // Text, anti-aliased edges, charts and the heatmap: thousands of colours. A blank or
        // error page has a handful.
        #expect(image.distinctColours > 500)
        return image
    }
}
