import ArgumentParser

/// A rate on the command line: `5000/s`, `300/m`, or a bare number (per second).
struct RateArgument: ExpressibleByArgument, Sendable, Equatable, CustomStringConvertible {
    var perSecond: Double

    init(perSecond: Double) { self.perSecond = perSecond }

    init?(argument: String) {
        let parts = argument.split(separator: "/", maxSplits: 1)
        guard let value = Double(parts[0]), value >= 0, value.isFinite else { return nil }
        switch parts.count == 2 ? String(parts[1]) : "s" {
        case "s": perSecond = value
        case "m": perSecond = value / 60
        case "h": perSecond = value / 3600
        default: return nil
        }
    }

    var description: String { "\(perSecond)/s" }
}
