/// The four parts of a CPU's busy time, in stacking order (bottom first), each with the one
/// colour it has everywhere in the report: charts, legends and the stylesheet all read it
/// from here, so "softirq" can never be purple in one place and pink in another.
///
/// The colours are the Okabe–Ito palette, told apart by readers with colour-blindness and
/// kept distinct from the verdict and heatmap colours (the browser test counts them).
enum ShareSeries: CaseIterable {
    case user, system, irq, softirq

    var label: String {
        switch self {
        case .user: "user"
        case .system: "system"
        case .irq: "irq"
        case .softirq: "softirq"
        }
    }

    /// The CSS class that gives an SVG shape (fill) or an HTML swatch (background) the colour.
    var cssClass: String { "s-" + label }

    var colour: String {
        switch self {
        case .user: "#0072b2"
        case .system: "#e69f00"
        case .irq: "#009e73"
        case .softirq: "#cc79a7"
        }
    }

    /// This part of `share`, clamped to 0...1; NaN and infinities count as nothing, because a
    /// broken sample must not break the chart.
    func value(of share: VerifyReport.CPUShare) -> Double {
        let raw: Double
        switch self {
        case .user: raw = share.user
        case .system: raw = share.system
        case .irq: raw = share.irq
        case .softirq: raw = share.softirq
        }
        return raw.isFinite ? min(max(raw, 0), 1) : 0
    }

    /// The busy share of `share` with every part cleaned as `value(of:)` does, at most 1.
    static func busy(of share: VerifyReport.CPUShare) -> Double {
        min(allCases.reduce(0) { $0 + $1.value(of: share) }, 1)
    }
}
