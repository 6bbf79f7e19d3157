/// Copies the /proc and /sys files cmtune read into a directory, at the same relative paths,
/// so every read-only command can analyse the copy later with `--root DIR`.
///
/// sysfs is a web of relative symbolic links (`class/net/eth0 -> ../../devices/...`). The copy
/// recreates each link it passes through and the real directories behind it, so the copy
/// resolves exactly as the original did, and nothing else of sysfs is dragged along.
public struct HostSnapshot: Sendable {
    public struct Summary: Sendable, Equatable {
        public var files = 0
        public var links = 0
        public var directories = 0
        /// Paths that vanished or could not be read while copying, with the reason.
        public var skipped: [HostIssue] = []
    }

    public let source: HostRoot
    public let destination: HostRoot

    public init(source: HostRoot, destination: String) {
        self.source = source
        self.destination = HostRoot(destination)
    }

    /// Files worth having in every snapshot beyond what the commands' readers touch.
    public static let additionalFiles = [
        "proc/stat", "proc/softirqs", "proc/net/softnet_stat", "proc/cmdline", "proc/sys/fs/file-max", "proc/sys/fs/nr_open",
        "proc/sys/net/core/somaxconn", "proc/sys/net/core/netdev_max_backlog", "proc/sys/net/ipv4/tcp_max_syn_backlog",
        "proc/sys/net/ipv4/ip_local_port_range", "proc/sys/net/core/rps_sock_flow_entries", "proc/sys/kernel/hostname",
        "proc/sys/kernel/osrelease", "proc/uptime", "proc/sys/net/core/netdev_budget", "proc/sys/net/core/netdev_budget_usecs",
    ]

    /// Where a snapshot notes when, where and by what it was taken; its presence also marks a
    /// directory as a cmtune snapshot that a new one may replace.
    public static let metadataPath = "cmtune/snapshot.json"

    /// What is at the destination now: nothing (absent or empty), an earlier snapshot, or
    /// something else, which a snapshot must never overwrite.
    public enum DestinationState: Sendable, Equatable { case empty, previousSnapshot, occupied }

    public var destinationState: DestinationState {
        guard case .success(let names) = FileSystemCalls.listDirectory(atPath: destination.path), !names.isEmpty else { return .empty }
        return destination.exists(Self.metadataPath) ? .previousSnapshot : .occupied
    }

    /// Removes an earlier snapshot at the destination so stale files cannot survive into the new one.
    public func removePreviousSnapshot() throws(HostError) {
        guard destinationState == .previousSnapshot else { return }
        if case .failure(let errno) = FileSystemCalls.removeTree(atPath: destination.path) {
            throw HostError(.write, path: destination.path, errno: errno)
        }
    }

    /// Copies what `accesses` lists. Fails only when the destination cannot be written.
    public func copy(_ accesses: AccessRecorder.Accesses) throws(HostError) -> Summary {
        var summary = Summary()
        try makeDirectories("", summary: &summary)
        for path in accesses.links.union(accesses.reads).sorted() {
            try copyPath(path, listing: false, summary: &summary)
        }
        for path in accesses.listings.sorted() {
            try copyPath(path, listing: true, summary: &summary)
        }
        return summary
    }

    /// Writes a file cmtune made (netlink facts, metadata) into the snapshot.
    public func store(_ bytes: [UInt8], at path: String) throws(HostError) {
        var summary = Summary()
        try makeDirectories(parent(of: path), summary: &summary)
        if case .failure(let errno) = FileSystemCalls.writeFile(atPath: destination.absolute(path), bytes: bytes, create: true) {
            throw HostError(.write, path: destination.absolute(path), errno: errno)
        }
    }

    /// Walks `path` one component at a time on the source, recreating links and directories.
    private func copyPath(_ path: String, listing: Bool, summary: inout Summary) throws(HostError) {
        var physical = ""
        let components = path.split(separator: "/").map(String.init)
        for (position, component) in components.enumerated() {
            if component == "." { continue }
            if component == ".." {
                physical = parent(of: physical)
                continue
            }
            let candidate = physical.isEmpty ? component : "\(physical)/\(component)"
            let kind: FileSystemCalls.EntryKind
            switch FileSystemCalls.entryKind(atPath: source.absolute(candidate)) {
            case .success(let found): kind = found
            case .failure(let errno):
                // Reads of absent files are recorded too (that is how "unknown" was learnt);
                // their absence is part of the snapshot, not a loss.
                if errno != .noSuchFileOrDirectory && errno != .notDirectory {
                    summary.skipped.append(HostIssue(HostError(.read, path: source.absolute(candidate), errno: errno)))
                }
                return
            }
            let isLast = position == components.count - 1
            switch kind {
            case .symbolicLink:
                guard case .success(let target) = FileSystemCalls.readLink(atPath: source.absolute(candidate)), !target.hasPrefix("/") else {
                    summary.skipped.append(HostIssue(path: source.absolute(candidate), message: "absolute or unreadable link, not copied"))
                    return
                }
                try makeDirectories(physical, summary: &summary)
                try link(candidate, to: target, summary: &summary)
                physical = SysfsPath.resolve(target, relativeTo: physical)
            case .directory:
                try makeDirectories(candidate, summary: &summary)
                physical = candidate
                if isLast && listing { try copyEntries(of: candidate, summary: &summary) }
            case .file, .other:
                // A FIFO or device where a file was read is refused by the read and noted as
                // skipped: the copy must not hang on it, and the user should hear of it.
                try makeDirectories(physical, summary: &summary)
                copyFile(candidate, summary: &summary)
                return
            }
        }
        // The path ended on a link to a directory: mirror the directory it names.
        if listing, !physical.isEmpty, case .success(.directory) = FileSystemCalls.entryKind(atPath: source.absolute(physical)) {
            try makeDirectories(physical, summary: &summary)
            try copyEntries(of: physical, summary: &summary)
        }
    }

    /// A listed directory: recreate its entries so the listing replays (links as links,
    /// directories empty until something under them is read, small files copied).
    private func copyEntries(of directory: String, summary: inout Summary) throws(HostError) {
        guard case .success(let names) = FileSystemCalls.listDirectory(atPath: source.absolute(directory)) else { return }
        for name in names {
            let entry = "\(directory)/\(name)"
            switch FileSystemCalls.entryKind(atPath: source.absolute(entry)) {
            case .success(.symbolicLink):
                if case .success(let target) = FileSystemCalls.readLink(atPath: source.absolute(entry)), !target.hasPrefix("/") {
                    try link(entry, to: target, summary: &summary)
                }
            case .success(.directory):
                try makeDirectories(entry, summary: &summary)
            case .success(.file):
                // sysfs entries of a listed directory are small attributes (msi_irqs/N); procfs
                // ones can be anything (/proc/kcore), and are copied only when read.
                if !directory.hasPrefix("proc") { copyFile(entry, summary: &summary) }
            default:
                continue
            }
        }
    }

    private func copyFile(_ path: String, summary: inout Summary) {
        if FileSystemCalls.entryKind(atPath: destination.absolute(path)).map({ $0 == .file }) == .success(true) { return }
        switch FileSystemCalls.readFile(atPath: source.absolute(path)) {
        case .success(let bytes):
            if case .failure(let errno) = FileSystemCalls.writeFile(atPath: destination.absolute(path), bytes: bytes, create: true) {
                summary.skipped.append(HostIssue(HostError(.write, path: destination.absolute(path), errno: errno)))
            } else {
                summary.files += 1
            }
        case .failure(let failure):
            // Attributes with no value here (`xps_cpus` of a single queue reads ENOENT) read
            // the same from a copy that lacks them; anything else is worth reporting.
            let error = failure.hostError(path: source.absolute(path))
            if !(error.isMissing || failure == .system(.invalidArgument) || failure == .system(.notSupported)) {
                summary.skipped.append(HostIssue(error))
            }
        }
    }

    private func link(_ path: String, to target: String, summary: inout Summary) throws(HostError) {
        if case .success = FileSystemCalls.entryKind(atPath: destination.absolute(path)) { return }
        if case .failure(let errno) = FileSystemCalls.makeSymbolicLink(atPath: destination.absolute(path), target: target) {
            throw HostError(.create, path: destination.absolute(path), errno: errno)
        }
        summary.links += 1
    }

    private func makeDirectories(_ path: String, summary: inout Summary) throws(HostError) {
        var current = ""
        let parts = path.split(separator: "/").map(String.init)
        if case .failure(let errno) = FileSystemCalls.makeDirectory(atPath: destination.path) {
            throw HostError(.create, path: destination.path, errno: errno)
        }
        for part in parts {
            current = current.isEmpty ? part : "\(current)/\(part)"
            let absolute = destination.absolute(current)
            if case .success(let kind) = FileSystemCalls.entryKind(atPath: absolute), kind == .directory || kind == .symbolicLink { continue }
            if case .failure(let errno) = FileSystemCalls.makeDirectory(atPath: absolute) {
                throw HostError(.create, path: absolute, errno: errno)
            }
            summary.directories += 1
        }
    }

    private func parent(of path: String) -> String {
        var components = path.split(separator: "/")
        if !components.isEmpty { components.removeLast() }
        return components.joined(separator: "/")
    }
}
