/// Tick marks for a time axis that starts at 0: round steps a reader expects (10 s, 30 s,
/// 1 min, 5 min), never more than `maximumCount` labels, so a small chart stays legible
/// whether the run took 20 seconds or an hour.
enum AxisTicks {
    private static let steps: [Double] = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 14400, 43200, 86400]

    static func seconds(upTo end: Double, maximumCount: Int) -> [Double] {
        guard end.isFinite, end > 0 else { return [0] }
        let intervals = Double(max(maximumCount - 1, 1))
        let step = steps.first { end / $0 <= intervals } ?? (end / intervals).rounded(.up)
        var ticks: [Double] = []
        var tick = 0.0
        while tick <= end + step * 1e-9 {
            ticks.append(tick)
            tick += step
        }
        return ticks
    }
}
