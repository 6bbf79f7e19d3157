/// The heatmap's colour scale: busy share 0...1 in `steps` equal buckets, from a pale grey
/// (idle) through yellow and orange to dark red (saturated). Buckets rather than a colour per
/// cell because a class name ("h12") is a third of a `fill="#rrggbb"` attribute and the
/// heatmap has up to a hundred thousand cells; 5 % steps are finer than the eye tells apart.
enum HeatScale {
    /// Buckets 0...steps: 0 %, 5 %, ..., 100 %.
    static let steps = 20

    private static let stops: [(at: Double, rgb: (Double, Double, Double))] = [
        (0.00, (0xee, 0xf2, 0xf7)),
        (0.35, (0xfd, 0xe0, 0xa1)),
        (0.65, (0xf5, 0x9e, 0x42)),
        (0.85, (0xd9, 0x44, 0x2b)),
        (1.00, (0x7a, 0x0c, 0x1e)),
    ]

    /// The bucket of a busy share; NaN counts as idle.
    static func bucket(_ busy: Double) -> Int {
        guard busy.isFinite else { return 0 }
        return Int((min(max(busy, 0), 1) * Double(steps)).rounded())
    }

    static func cssClass(_ bucket: Int) -> String { "h" + String(bucket) }

    /// "#rrggbb" of a bucket, interpolated between the stops.
    static func colour(_ bucket: Int) -> String {
        let position = Double(min(max(bucket, 0), steps)) / Double(steps)
        var lower = stops[0]
        var upper = stops[stops.count - 1]
        for (index, stop) in stops.enumerated().dropFirst() where position <= stop.at {
            lower = stops[index - 1]
            upper = stop
            break
        }
        let span = upper.at - lower.at
        let t = span > 0 ? (position - lower.at) / span : 0
        func channel(_ a: Double, _ b: Double) -> String {
            let value = Int((a + (b - a) * t).rounded())
            let digits = String(value, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }
        return "#" + channel(lower.rgb.0, upper.rgb.0) + channel(lower.rgb.1, upper.rgb.1)
            + channel(lower.rgb.2, upper.rgb.2)
    }
}
