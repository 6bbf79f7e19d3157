/// One counter token of a /proc or /sys file, read as a UInt64 or refused with a reason.
///
/// A value too large for 64 bits is not a malformed number to be skipped or taken as text:
/// every kernel counter is at most a u64, so such a token means the file is corrupt, and the
/// reader must say so rather than read it as 0 or let it slide into the next field.
enum CounterField: Equatable {
    case value(UInt64)
    case tooLarge
    case notANumber

    /// Decimal digits only (no sign, no spaces), as the kernel prints `%u` and `%llu`.
    static func decimal(_ bytes: some Collection<UInt8>) -> CounterField {
        parse(bytes, radix: 10)
    }

    /// Hexadecimal digits only, as softnet_stat prints `%08x`.
    static func hexadecimal(_ bytes: some Collection<UInt8>) -> CounterField {
        parse(bytes, radix: 16)
    }

    var value: UInt64? {
        if case .value(let value) = self { return value }
        return nil
    }

    /// "count '184467440737095516160' for CPU 3 does not fit 64 bits".
    static func tooLargeMessage(_ token: some Collection<UInt8>, for column: String? = nil) -> String {
        "count \(InputQuote.quoted(token))\(column.map { " for \($0)" } ?? "") does not fit 64 bits"
    }

    /// "9 count columns, the header names 8 CPUs": a row that does not match its header.
    static func columnMismatchMessage(found: Int, cpus: Int) -> String {
        "\(found) count column\(found == 1 ? "" : "s"), the header names \(cpus) CPU\(cpus == 1 ? "" : "s")"
    }

    private static func parse(_ bytes: some Collection<UInt8>, radix: UInt64) -> CounterField {
        guard !bytes.isEmpty else { return .notANumber }
        var value: UInt64 = 0
        var overflowed = false
        for byte in bytes {
            guard let digit = digitValue(byte), digit < radix else { return .notANumber }
            let (multiplied, overflow1) = value.multipliedReportingOverflow(by: radix)
            let (added, overflow2) = multiplied.addingReportingOverflow(digit)
            if overflow1 || overflow2 { overflowed = true }
            value = added
        }
        return overflowed ? .tooLarge : .value(value)
    }

    private static func digitValue(_ byte: UInt8) -> UInt64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt64(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt64(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}

/// Why a line's fields were refused, as the message says it.
struct FieldProblem: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
