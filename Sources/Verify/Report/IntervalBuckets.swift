/// Consecutive runs of interval indices, at most `maximum` of them, each `width` intervals
/// long (the last may be shorter). This is how the charts and the heatmap keep a ten-minute
/// run on 256 CPUs to a few megabytes: a run within the limit keeps one bucket per interval,
/// a longer one is averaged over neighbouring seconds rather than thinned, so a short spike
/// still shows. Equal widths keep the time axis even and the caption exact ("the mean of 2 samples").
struct IntervalBuckets {
    let ranges: [Range<Int>]
    /// Intervals per bucket.
    let width: Int

    init(count: Int, maximum: Int) {
        let count = max(count, 0)
        let limit = max(1, maximum)
        let width = max(1, (count + limit - 1) / limit)
        self.width = width
        ranges = stride(from: 0, to: count, by: width).map { $0..<min($0 + width, count) }
    }

    var count: Int { ranges.count }
    /// True when buckets hold more than one interval: the captions then say so.
    var merges: Bool { width > 1 }
}

extension VerifyReport {
    /// The offset of interval `index` in seconds; an offset that is not a finite number is
    /// replaced by its position (the sampler ticks once a second), so x is never NaN.
    func offset(ofInterval index: Int) -> Double {
        let offset = intervals[index].offset
        return offset.isFinite ? offset : Double(index + 1)
    }

    /// Where the time axes end: the run's duration or the last sample, whichever is later, and
    /// never zero (an axis of zero length would divide by zero).
    var timeAxisEnd: Double {
        var end = duration.isFinite ? duration : 0
        if !intervals.isEmpty { end = max(end, offset(ofInterval: intervals.count - 1)) }
        return end > 0 ? end : 1
    }
}
