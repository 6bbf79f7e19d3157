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

    public init(parsing text: String, path: String = "/proc/softirqs") {
        self.init()
        let lines = text.split(separator: "\n")
        guard let header = lines.first else {
            issues.append(HostIssue(path: path, message: "empty file: no CPU header"))
            return
        }
        var columns: [Int] = []
        for token in header.split(separator: " ") {
            guard token.hasPrefix("CPU"), let cpu = Int(token.dropFirst(3)) else {
                issues.append(HostIssue(path: path, line: 1, message: "header should name CPU columns like 'CPU0', found '\(token)'"))
                return
            }
            columns.append(cpu)
        }
        for (number, line) in lines.enumerated().dropFirst() {
            let parts = line.split(separator: " ")
            guard let label = parts.first, label.hasSuffix(":") else {
                issues.append(HostIssue(path: path, line: number + 1, message: "expected 'NAME:' at the start of the line"))
                continue
            }
            let values = parts.dropFirst().compactMap { UInt64($0) }
            guard values.count == parts.count - 1, values.count == columns.count else {
                issues.append(HostIssue(path: path, line: number + 1, message: "\(label.dropLast()): expected \(columns.count) per-CPU counts, found \(values.count)"))
                continue
            }
            counts[String(label.dropLast())] = Dictionary(uniqueKeysWithValues: zip(columns, values))
        }
    }

    public func count(_ name: String, cpu: Int) -> UInt64? { counts[name]?[cpu] }
}
