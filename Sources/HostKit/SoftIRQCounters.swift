/// /proc/softirqs: per-CPU counts of each softirq, columns by the `CPUn` header (it lists
/// possible CPUs, unlike /proc/interrupts).
public struct SoftIRQCounters: Sendable, Equatable {
    /// Counts per softirq name (`NET_RX`), per CPU id.
    public var counts: [String: [Int: UInt64]]
    public var issues: [HostIssue]

    public init(counts: [String: [Int: UInt64]] = [:], issues: [HostIssue] = []) {
        self.counts = counts
        self.issues = issues
    }

    /// Parses the whole file as read. A row whose counts do not match the header's CPU
    /// columns, hold something that is not a count or does not fit 64 bits is reported and
    /// left out, and so is a last line cut short (no newline).
    public init(parsing text: String, path: String = "/proc/softirqs") {
        self.init()
        let file = ProcFileLines(text, path: path)
        defer { issues.append(contentsOf: file.cutShort.map { [$0] } ?? []) }
        guard let header = file.lines.first else {
            if file.cutShort == nil { issues.append(HostIssue(path: path, message: "empty file: no CPU header")) }
            return
        }
        var columns: [Int] = []
        for token in header.text.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            guard token.hasPrefix("CPU"), let cpu = CounterField.decimal(token.dropFirst(3).utf8).value.flatMap({ Int(exactly: $0) }) else {
                issues.append(
                    HostIssue(path: path, line: header.number, message: "header should name CPU columns like 'CPU0', found \(InputQuote.quoted(token))"))
                return
            }
            guard !columns.contains(cpu) else {
                issues.append(HostIssue(path: path, line: header.number, message: "header names CPU\(cpu) twice"))
                return
            }
            columns.append(cpu)
        }
        guard !columns.isEmpty else {
            issues.append(HostIssue(path: path, line: header.number, message: "header names no CPU columns"))
            return
        }
        for (number, line) in file.lines.dropFirst() {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let label = parts.first else { continue }
            guard label.hasSuffix(":"), label.count > 1 else {
                issues.append(HostIssue(path: path, line: number, message: "expected 'NAME:' at the start of the line, found \(InputQuote.quoted(label))"))
                continue
            }
            let name = label.dropLast()
            switch Self.counts(parts.dropFirst(), columns: columns) {
            case .success(let values) where values.count == columns.count:
                counts[String(name)] = Dictionary(uniqueKeysWithValues: zip(columns, values))
            case .success(let values):
                let message = CounterField.columnMismatchMessage(found: values.count, cpus: columns.count)
                issues.append(HostIssue(path: path, line: number, message: "\(InputQuote.escaped(name, limit: InputQuote.characterLimit)): \(message)"))
            case .failure(let problem):
                issues.append(
                    HostIssue(path: path, line: number, message: "\(InputQuote.escaped(name, limit: InputQuote.characterLimit)): \(problem.description)"))
            }
        }
    }

    private static func counts(_ tokens: ArraySlice<Substring>, columns: [Int]) -> Result<[UInt64], FieldProblem> {
        var values: [UInt64] = []
        for (position, token) in tokens.enumerated() {
            switch CounterField.decimal(token.utf8) {
            case .value(let value): values.append(value)
            case .tooLarge:
                let column = position < columns.count ? "CPU \(columns[position])" : "column \(position + 1)"
                return .failure(FieldProblem(CounterField.tooLargeMessage(token.utf8, for: column)))
            case .notANumber:
                return .failure(FieldProblem("expected per-CPU counts, found \(InputQuote.quoted(token))"))
            }
        }
        return .success(values)
    }

    public func count(_ name: String, cpu: Int) -> UInt64? { counts[name]?[cpu] }
}
