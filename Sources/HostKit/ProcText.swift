/// The small pieces every /proc and /sys text reader shares: lines and fields over bytes,
/// numbers that say why they did not parse, file content quoted safely, and a cap on how many
/// issues one broken file can produce.
///
/// Readers work on bytes rather than `String` so that binary garbage is reported as the bytes
/// it is (`\x00`) instead of being turned into replacement characters first.
enum ProcText {
    /// The lines of `bytes` with their 1-based numbers; a final line without a newline counts,
    /// the empty piece after a trailing newline does not. Lazy: /proc/net/tcp on a CM host has
    /// a line per connection, and no array of them is built.
    static func lines(_ bytes: [UInt8]) -> Lines { Lines(bytes: bytes) }

    struct Lines: Sequence {
        let bytes: [UInt8]

        struct Iterator: IteratorProtocol {
            let bytes: [UInt8]
            var start = 0
            var number = 0

            mutating func next() -> (number: Int, text: ArraySlice<UInt8>)? {
                guard start < bytes.count else { return nil }
                let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
                defer { start = end + 1 }
                number += 1
                return (number, bytes[start..<end])
            }
        }

        func makeIterator() -> Iterator { Iterator(bytes: bytes) }
    }

    /// Fields separated by runs of spaces and tabs (the kernel pads with both).
    static func fields(_ line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        line.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D })
    }

    static func isBlank(_ line: ArraySlice<UInt8>) -> Bool {
        line.allSatisfy { $0.isASCIIWhitespace }
    }

    /// Why a field is not the number expected.
    enum NumberProblem: Error, Equatable {
        /// Digits only, but more than the type holds.
        case tooLarge
        /// A minus sign and digits: the kernel printed a signed value.
        case negative
        /// Anything else: empty, letters, binary.
        case notANumber
    }

    /// An unsigned number in `radix`, digits only (no sign, no prefix, no spaces).
    static func unsigned(_ field: ArraySlice<UInt8>, radix: UInt64 = 10) -> Result<UInt64, NumberProblem> {
        guard !field.isEmpty else { return .failure(.notANumber) }
        if field.first == UInt8(ascii: "-") {
            return field.count > 1 && field.dropFirst().allSatisfy({ digit($0, radix: radix) != nil }) ? .failure(.negative) : .failure(.notANumber)
        }
        var value: UInt64 = 0
        var overflowed = false
        for byte in field {
            guard let digit = digit(byte, radix: radix) else { return .failure(.notANumber) }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: radix)
            let (sum, overflow2) = shifted.addingReportingOverflow(digit)
            if overflow1 || overflow2 { overflowed = true }
            value = sum
        }
        return overflowed ? .failure(.tooLarge) : .success(value)
    }

    /// A count that must fit `Int` (sysctls and sockstat print them as C `int` or `long`).
    static func count(_ field: ArraySlice<UInt8>) -> Result<Int, NumberProblem> {
        switch unsigned(field) {
        case .success(let value): return value <= UInt64(Int.max) ? .success(Int(value)) : .failure(.tooLarge)
        case .failure(let problem): return .failure(problem)
        }
    }

    /// A signed decimal number (`-1`), for the few fields the kernel prints signed.
    static func signed(_ field: ArraySlice<UInt8>) -> Int64? {
        guard field.first == UInt8(ascii: "-") else {
            guard case .success(let value) = unsigned(field), value <= UInt64(Int64.max) else { return nil }
            return Int64(value)
        }
        guard case .success(let magnitude) = unsigned(field.dropFirst()), magnitude <= UInt64(Int64.max) + 1 else { return nil }
        return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
    }

    private static func digit(_ byte: UInt8, radix: UInt64) -> UInt64? {
        let value: UInt64
        switch byte {
        case 0x30...0x39: value = UInt64(byte - 0x30)
        case 0x41...0x46: value = UInt64(byte - 0x41 + 10)
        case 0x61...0x66: value = UInt64(byte - 0x61 + 10)
        default: return nil
        }
        return value < radix ? value : nil
    }

    /// The sentence for a number that did not parse: "'xyz' is not a number".
    static func describe(_ problem: NumberProblem, _ field: ArraySlice<UInt8>, what: String) -> String {
        switch problem {
        case .tooLarge: return "\(what) \(quoted(field)) does not fit in 64 bits"
        case .negative: return "\(what) \(quoted(field)) is negative"
        case .notANumber: return "\(what) \(quoted(field)) is not a number"
        }
    }

    /// File content for a message: in quotes, printable ASCII kept, everything else `\xNN`,
    /// cut after `limit` bytes, so a hostile file cannot flood or garble a terminal.
    static func quoted(_ bytes: some Collection<UInt8>, limit: Int = 32) -> String {
        var text = "'"
        for byte in bytes.prefix(limit) {
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\\"):
                text += "\\" + String(UnicodeScalar(byte))
            case 0x20...0x7E:
                text.unicodeScalars.append(UnicodeScalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: false)
                text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        text += bytes.count > limit ? "'..." : "'"
        return text
    }

    static func quoted(_ text: some StringProtocol, limit: Int = 32) -> String {
        quoted(Array(text.utf8), limit: limit)
    }

    /// A name the kernel prints (`ListenOverflows`, `early_drop`): printable ASCII, no spaces.
    static func name(_ field: ArraySlice<UInt8>) -> String? {
        guard !field.isEmpty, field.count <= 64, field.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return String(decoding: field, as: UTF8.self)
    }

    /// Reads a file under the root. Missing: nil, with an issue only when `missing` says what
    /// is lost (files every kernel has); unreadable: nil and an issue with the errno.
    static func read(_ relativePath: String, from root: HostRoot, issues: inout [HostIssue], missing consequence: String?) -> [UInt8]? {
        do {
            return try root.readBytes(relativePath)
        } catch  where error.isMissing {
            if let consequence { issues.append(HostIssue(path: root.absolute(relativePath), message: "missing: \(consequence)")) }
        } catch {
            issues.append(HostIssue(path: error.path, message: "cannot read: \(error.errno.plainDescription)"))
        }
        return nil
    }

    /// A sysctl or sysfs file holding one number: nil when missing (no issue) or malformed
    /// (an issue at line 1).
    static func singleCount(_ relativePath: String, from root: HostRoot, issues: inout [HostIssue], missing consequence: String? = nil) -> Int? {
        guard let bytes = read(relativePath, from: root, issues: &issues, missing: consequence) else { return nil }
        return singleValue(bytes, path: root.absolute(relativePath), issues: &issues, parse: count)
    }

    static func singleUnsigned(_ relativePath: String, from root: HostRoot, issues: inout [HostIssue]) -> UInt64? {
        guard let bytes = read(relativePath, from: root, issues: &issues, missing: nil) else { return nil }
        return singleValue(bytes, path: root.absolute(relativePath), issues: &issues) { unsigned($0) }
    }

    private static func singleValue<Value>(
        _ bytes: [UInt8], path: String, issues: inout [HostIssue], parse: (ArraySlice<UInt8>) -> Result<Value, NumberProblem>
    ) -> Value? {
        var text = bytes[...]
        while let last = text.last, last.isASCIIWhitespace { text.removeLast() }
        while let first = text.first, first.isASCIIWhitespace { text.removeFirst() }
        switch parse(text) {
        case .success(let value): return value
        case .failure(let problem):
            issues.append(HostIssue(path: path, line: 1, message: describe(problem, text, what: "value")))
            return nil
        }
    }
}

/// Issues for one file, capped: a file of binary garbage yields a few issues and a count of the
/// rest, not one issue per line.
struct FileIssues {
    let path: String
    let limit: Int
    private(set) var issues: [HostIssue] = []
    private var suppressed = 0

    init(path: String, limit: Int = 20) {
        self.path = path
        self.limit = limit
    }

    mutating func add(line: Int?, _ message: String) {
        if issues.count < limit {
            issues.append(HostIssue(path: path, line: line, message: message))
        } else {
            suppressed += 1
        }
    }

    /// The issues, with one more saying how many were left out.
    var all: [HostIssue] {
        suppressed == 0 ? issues : issues + [HostIssue(path: path, message: "\(suppressed) more malformed lines not listed")]
    }
}
