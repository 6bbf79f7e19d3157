/// A systemd unit's LimitNOFILE= as systemd would compute it from the files under a root, so
/// a diagnosis can say both what a running CM has (`ProcessFacts`) and what it will get after
/// the next restart, and name the file to edit.
///
/// The unit file found first in etc/systemd/system, run/systemd/system,
/// usr/local/lib/systemd/system, usr/lib/systemd/system, lib/systemd/system, then its drop-ins
/// (UNIT.d/*.conf in those directories, in name order; later ones override; an empty
/// assignment resets). Values are "N", "soft:hard" and "infinity" (either side).
public struct UnitFileLimits: Sendable, Equatable {
    /// The unit's full name (`cm.service`; a name without a type gets `.service`).
    public var unit: String
    /// The unit file, absolute, as found under the root.
    public var unitPath: String?
    /// nil means infinity when `openFilesSet` is true.
    public var openFilesSoft: UInt64?
    public var openFilesHard: UInt64?
    /// False: the unit does not set it (systemd's DefaultLimitNOFILE applies, 1024:524288
    /// since systemd 240).
    public var openFilesSet: Bool
    /// The file whose assignment is in force (absolute), to name in a fix; nil when unset.
    public var openFilesSource: String?
    /// The drop-ins read, absolute, in the order applied.
    public var dropInPaths: [String] = []
    /// The unit file is a link to /dev/null: systemd will not start it.
    public var masked: Bool = false
    public var issues: [HostIssue]

    public init(
        unit: String, unitPath: String? = nil, openFilesSoft: UInt64? = nil, openFilesHard: UInt64? = nil, openFilesSet: Bool = false,
        openFilesSource: String? = nil, dropInPaths: [String] = [], masked: Bool = false, issues: [HostIssue] = []
    ) {
        self.unit = unit
        self.unitPath = unitPath
        self.openFilesSoft = openFilesSoft
        self.openFilesHard = openFilesHard
        self.openFilesSet = openFilesSet
        self.openFilesSource = openFilesSource
        self.dropInPaths = dropInPaths
        self.masked = masked
        self.issues = issues
    }

    /// The section that holds a unit type's process settings; other types have no limits.
    static let executionSections = ["service": "Service", "socket": "Socket", "mount": "Mount", "swap": "Swap"]

    /// nil when no unit file exists (or the name is not a unit name).
    public static func read(unit name: String, from root: HostRoot) -> UnitFileLimits? {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != "..", !name.utf8.contains(0) else { return nil }
        let unit = name.contains(".") ? name : name + ".service"
        guard let unitFile = UnitFileSearch.unitFile(unit, in: root) else { return nil }
        var limits = UnitFileLimits(unit: unit, unitPath: root.absolute(unitFile.path))
        if unitFile.masked {
            limits.masked = true
            return limits
        }
        guard let type = unit.split(separator: ".").last, let section = executionSections[String(type)] else { return limits }
        let dropIns = UnitFileSearch.dropIns(unit, in: root)
        limits.dropInPaths = dropIns.map { root.absolute($0.path) }
        for file in [unitFile] + dropIns {
            let bytes: [UInt8]
            do {
                bytes = try root.readBytes(file.resolved)
            } catch {
                limits.issues.append(HostIssue(path: root.absolute(file.path), message: "cannot read: \(error.errno.plainDescription)"))
                continue
            }
            for assignment in UnitFileSyntax.assignments(of: "LimitNOFILE", in: section, parsing: bytes) {
                limits.apply(assignment, path: root.absolute(file.path))
            }
        }
        return limits
    }

    /// One `LimitNOFILE=` line: an empty value resets to unset; a value systemd would reject
    /// is reported and ignored, as systemd ignores it (the previous value stays).
    mutating func apply(_ assignment: UnitFileSyntax.Assignment, path: String) {
        if assignment.value.isEmpty {
            openFilesSet = false
            openFilesSoft = nil
            openFilesHard = nil
            openFilesSource = nil
            return
        }
        switch Self.parseLimit(assignment.value) {
        case .success(let limit):
            openFilesSet = true
            openFilesSoft = limit.soft
            openFilesHard = limit.hard
            openFilesSource = path
        case .failure(let reason):
            issues.append(
                HostIssue(
                    path: path, line: assignment.line, message: "LimitNOFILE=\(ProcText.quoted(assignment.value)) \(reason); ignored, as systemd ignores it"))
        }
    }

    struct Rejected: Error, CustomStringConvertible {
        var description: String
    }

    /// "N", "infinity" or "soft:hard"; nil stands for infinity. A soft limit above the hard
    /// one is rejected, as systemd rejects it.
    static func parseLimit(_ value: ArraySlice<UInt8>) -> Result<(soft: UInt64?, hard: UInt64?), Rejected> {
        func one(_ part: ArraySlice<UInt8>) -> Result<UInt64?, Rejected> {
            if part.elementsEqual("infinity".utf8) { return .success(nil) }
            switch ProcText.unsigned(part) {
            // RLIM_INFINITY written as a number is infinity too.
            case .success(let number): return .success(number == UInt64.max ? nil : number)
            case .failure(.tooLarge): return .failure(Rejected(description: "does not fit in 64 bits"))
            case .failure: return .failure(Rejected(description: "is not a number or 'infinity'"))
            }
        }
        guard let colon = value.firstIndex(of: UInt8(ascii: ":")) else {
            return one(value).map { ($0, $0) }
        }
        let soft: UInt64?
        let hard: UInt64?
        switch (one(value[..<colon]), one(value[(colon + 1)...])) {
        case (.success(let s), .success(let h)):
            soft = s
            hard = h
        case (.failure(let rejected), _), (_, .failure(let rejected)):
            return .failure(rejected)
        }
        if let hard, soft.map({ $0 > hard }) ?? true {
            return .failure(Rejected(description: "has a soft limit above the hard limit"))
        }
        return .success((soft, hard))
    }
}
