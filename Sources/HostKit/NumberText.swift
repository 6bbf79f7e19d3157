/// Numbers as evidence lines print them: `12,345`, `97 %`, `0.4`.
public enum NumberText {
    /// A whole number with thousands separators; fractions below 10 keep one decimal.
    public static func grouped(_ value: Double) -> String {
        guard value.isFinite else { return "?" }
        if value < 10 && value != value.rounded() {
            return String((value * 10).rounded() / 10)
        }
        let whole = Int(value.rounded())
        let digits = String(abs(whole))
        var out = ""
        for (position, digit) in digits.enumerated() {
            if position > 0 && (digits.count - position) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return whole < 0 ? "-" + out : out
    }

    /// A percentage rounded to a whole number: `97 %`.
    public static func percent(_ value: Double) -> String {
        guard value.isFinite else { return "? %" }
        return "\(Int(value.rounded())) %"
    }

    /// A duration in seconds: whole when within a twentieth of a whole number (`5`), else one decimal.
    public static func seconds(_ value: Double) -> String {
        let whole = value.rounded()
        if abs(value - whole) < 0.05 { return String(Int(whole)) }
        return String((value * 10).rounded() / 10)
    }
}

/// Counted nouns: `1 warning`, `6 warnings`, `1 rx channel`.
public enum Plural {
    public static func count(_ count: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(NumberText.grouped(Double(count))) \(count == 1 ? singular : plural ?? singular + "s")"
    }
}
