/// How the report prints numbers. Written with integer arithmetic rather than
/// `String(format:)` because the heatmap and the charts format hundreds of thousands of values
/// and must stay well under a second; and every formatter turns NaN or infinity into a dash,
/// so "nan" can never reach the page or an SVG coordinate.
enum ReportFormat {
    /// What a value that is missing or not a finite number prints as.
    static let missing = "–"

    /// `value` rounded to `decimals` (0...6) places: 45.25 -> "45.3" with 1.
    static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return missing }
        let places = min(max(decimals, 0), 6)
        var scale = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = (value.magnitude * Double(scale)).rounded()
        // Beyond 2^53 digits stop meaning anything; let Swift print the exponent form.
        guard scaled < 9.0e15 else { return value.description }
        let units = Int(scaled)
        var text = value < 0 && units != 0 ? "-" : ""
        text += String(units / scale)
        if places > 0 {
            let fraction = String(units % scale)
            text += "."
            text += String(repeating: "0", count: places - fraction.count)
            text += fraction
        }
        return text
    }

    /// A 0...1 fraction as a percentage with one decimal: 0.4534 -> "45.3%".
    static func percent(_ fraction: Double) -> String {
        guard fraction.isFinite else { return missing }
        return fixed(fraction * 100, decimals: 1) + "%"
    }

    /// A balance ratio: 1.4234 -> "1.42×".
    static func ratio(_ value: Double) -> String {
        guard value.isFinite else { return missing }
        return fixed(value, decimals: 2) + "×"
    }

    /// Milliseconds with three significant digits (0.123, 1.25, 12.5, 125), the precision a
    /// latency histogram actually has; no unit, the table header or caller says "ms".
    static func milliseconds(_ value: Double) -> String {
        guard value.isFinite else { return missing }
        let magnitude = value.magnitude
        switch magnitude {
        case 0: return "0"
        case ..<1: return fixed(value, decimals: 3)
        case ..<10: return fixed(value, decimals: 2)
        case ..<100: return fixed(value, decimals: 1)
        default: return count(Int(value.rounded()))
        }
    }

    /// An integer with thousands separators: 1234567 -> "1,234,567".
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var text = value < 0 ? "-" : ""
        text.reserveCapacity(digits.utf8.count + digits.utf8.count / 3 + 1)
        var remaining = digits.utf8.count
        for digit in digits {
            text.append(digit)
            remaining -= 1
            if remaining > 0 && remaining % 3 == 0 { text.append(",") }
        }
        return text
    }

    /// A rate per second: whole numbers from 100 up, one decimal below.
    static func rate(_ value: Double) -> String {
        guard value.isFinite else { return missing }
        if value.magnitude >= 100, value.magnitude < 9.0e15 { return count(Int(value.rounded())) }
        return fixed(value, decimals: 1)
    }

    /// Seconds since the start of the run: whole seconds when the sampler hit them, else one
    /// decimal ("12", "12.5").
    static func seconds(_ value: Double) -> String {
        guard value.isFinite else { return missing }
        let rounded = value.rounded()
        return (value - rounded).magnitude < 0.05 ? fixed(value, decimals: 0) : fixed(value, decimals: 1)
    }

    /// A run's length: "45 s", "10 min 0 s", "1 h 2 min".
    static func duration(_ value: Double) -> String {
        guard value.isFinite, value >= 0 else { return missing }
        if value < 120 { return seconds(value) + " s" }
        let total = Int(value.rounded())
        if total < 3600 { return "\(total / 60) min \(total % 60) s" }
        return "\(total / 3600) h \(total % 3600 / 60) min"
    }
}
