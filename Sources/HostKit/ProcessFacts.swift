import SystemPackage

/// One process as /proc/PID shows it: what it runs, its open-files limit and how many
/// descriptors it holds. A CM needs a descriptor per connection, so a limit below the
/// connections it is meant to hold (often systemd's 1024 soft default) caps the host long
/// before the CPU does.
public struct ProcessFacts: Sendable, Equatable {
    public var pid: Int
    /// The kernel's short name (/proc/PID/comm, at most 15 bytes).
    public var comm: String
    /// argv from /proc/PID/cmdline, split on NUL. A process that rewrote its argv as one
    /// string (`nginx: master process`) has one argument; a kernel thread has none.
    public var arguments: [String]
    /// "Max open files" soft and hard from /proc/PID/limits; nil means "unlimited".
    public var openFilesSoft: UInt64?
    public var openFilesHard: UInt64?
    /// False when limits could not be read or parsed; the two values are then meaningless.
    public var openFilesLimitKnown: Bool
    /// Entries of proc/PID/fd (nil when not readable: another user's process without root).
    public var openDescriptors: Int?
    /// What could not be read or parsed; the rest is still good.
    public var issues: [HostIssue] = []

    public init(
        pid: Int, comm: String, arguments: [String] = [], openFilesSoft: UInt64? = nil, openFilesHard: UInt64? = nil,
        openFilesLimitKnown: Bool = false, openDescriptors: Int? = nil, issues: [HostIssue] = []
    ) {
        self.pid = pid
        self.comm = comm
        self.arguments = arguments
        self.openFilesSoft = openFilesSoft
        self.openFilesHard = openFilesHard
        self.openFilesLimitKnown = openFilesLimitKnown
        self.openDescriptors = openDescriptors
        self.issues = issues
    }

    /// nil when the process is gone (no proc/PID, or it exited while being read).
    public static func read(pid: Int, from root: HostRoot) -> ProcessFacts? {
        guard var (facts, readable) = identify(pid: pid, from: root) else { return nil }
        if readable { readLimits(into: &facts, from: root) }
        return facts
    }

    /// The process's name and arguments only: enough to tell whether it is the one sought.
    /// `readable` false: its /proc directory could not be read (the facts carry why).
    private static func identify(pid: Int, from root: HostRoot) -> (facts: ProcessFacts, readable: Bool)? {
        guard pid > 0 else { return nil }
        let base = "proc/\(pid)"
        let comm: String
        do {
            comm = try root.read("\(base)/comm")
        } catch  where error.isMissing || error.errno == .noSuchProcess {
            return nil
        } catch {
            return (ProcessFacts(pid: pid, comm: "", issues: [HostIssue(error)]), false)
        }
        var facts = ProcessFacts(pid: pid, comm: comm)

        do {
            facts.arguments = Self.arguments(fromCommandLine: try root.readBytes("\(base)/cmdline"))
        } catch  where error.isMissing || error.errno == .noSuchProcess {
            // Gone between two reads, or a snapshot without it: no arguments known.
        } catch {
            facts.issues.append(HostIssue(error))
        }
        return (facts, true)
    }

    /// The open-files limit and the descriptors open now.
    private static func readLimits(into facts: inout ProcessFacts, from root: HostRoot) {
        let base = "proc/\(facts.pid)"
        let limitsPath = "\(base)/limits"
        if let bytes = ProcText.read(limitsPath, from: root, issues: &facts.issues, missing: "open-files limit unknown") {
            switch Self.openFilesLimit(parsing: bytes) {
            case .success(let limit):
                facts.openFilesSoft = limit.soft
                facts.openFilesHard = limit.hard
                facts.openFilesLimitKnown = true
            case .failure(let problem):
                facts.issues.append(HostIssue(path: root.absolute(limitsPath), line: problem.line, message: problem.message))
            }
        }

        do {
            facts.openDescriptors = try root.countEntries("\(base)/fd")
        } catch  where error.isMissing || error.errno == .noSuchProcess {
            // Gone, or a snapshot without it: the count is unknown and nothing is wrong.
        } catch {
            facts.issues.append(HostIssue(path: error.path, message: "cannot list: \(error.errno.plainDescription); open descriptors unknown"))
        }
    }

    /// Processes whose argv or comm matches: used to find a connection manager (`cmtune cm
    /// serve`, or a name the user gives). `matching` sees pid, comm and arguments; the limits and
    /// descriptors are read for the processes it picks only, not for every process of the host.
    /// Processes that exit during the scan are simply not found.
    public static func find(from root: HostRoot, matching: (ProcessFacts) -> Bool) -> [ProcessFacts] {
        let entries = (try? root.listIfPresent("proc")) ?? []
        var found: [ProcessFacts] = []
        for entry in entries {
            guard entry.utf8.allSatisfy(\.isASCIIDigit), let pid = Int(entry),
                var (facts, readable) = identify(pid: pid, from: root), matching(facts)
            else { continue }
            if readable { readLimits(into: &facts, from: root) }
            found.append(facts)
        }
        return found
    }

    /// argv from cmdline's bytes: NUL-separated, with a trailing NUL.
    static func arguments(fromCommandLine bytes: [UInt8]) -> [String] {
        var parts = bytes.split(separator: 0, omittingEmptySubsequences: false)
        if parts.last?.isEmpty == true { parts.removeLast() }
        return parts.map { String(decoding: $0, as: UTF8.self) }
    }

    struct LimitProblem: Error {
        var line: Int?
        var message: String
    }

    /// The "Max open files" row of /proc/PID/limits: `Max open files  1024  524288  files`.
    /// The name is padded to 25 columns and has spaces of its own, so the row is found by its
    /// prefix and the values are the two fields after it.
    static func openFilesLimit(parsing bytes: [UInt8]) -> Result<(soft: UInt64?, hard: UInt64?), LimitProblem> {
        let label = Array("Max open files".utf8)
        for (number, line) in ProcText.lines(bytes) where line.starts(with: label) {
            let fields = ProcText.fields(line.dropFirst(label.count))
            guard fields.count >= 2 else {
                return .failure(LimitProblem(line: number, message: "'Max open files' has \(fields.count) values, expected soft and hard"))
            }
            var values: [UInt64?] = []
            for (field, which) in zip(fields.prefix(2), ["soft", "hard"]) {
                if field.elementsEqual("unlimited".utf8) {
                    values.append(nil)
                    continue
                }
                switch ProcText.unsigned(field) {
                case .success(let value): values.append(value)
                case .failure(let problem):
                    return .failure(LimitProblem(line: number, message: ProcText.describe(problem, field, what: "\(which) open-files limit")))
                }
            }
            return .success((values[0], values[1]))
        }
        return .failure(LimitProblem(line: nil, message: "no 'Max open files' row: open-files limit unknown"))
    }
}
