import SystemPackage

/// A failed read or write of a /proc or /sys file: the errno the kernel gave, or the kind of
/// file cmtune refused to open.
///
/// The path is the one the user can type (`/snap/proc/interrupts` under `--root /snap`), so a
/// message can be followed up with `ls` or `cat` without translation.
public struct HostError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Operation: String, Sendable, Equatable {
        case read, list
        case readLink = "read link"
        case write, create
    }

    /// Why the operation failed.
    public enum Kind: Sendable, Equatable {
        /// The kernel refused; `errno` says why.
        case system
        /// The path is not a regular file, so it was not read: a FIFO or a character device can
        /// block a read forever or never reach its end, and opening some devices has effects.
        /// procfs and sysfs attributes are regular files, so only a copied tree meets this.
        case notRegularFile(FileType)
    }

    /// What a path turned out to be when it was not a regular file.
    public enum FileType: String, Sendable, Equatable, CaseIterable {
        case fifo = "a FIFO"
        case socket = "a socket"
        case characterDevice = "a character device"
        case blockDevice = "a block device"
        case directory = "a directory"
        case other = "not a regular file"
    }

    public var operation: Operation
    public var path: String
    /// The kernel's errno; for a refused file, the errno nearest to it (EISDIR for a directory,
    /// ENXIO, which open(2) gives for a socket, for the others), so code that only looks at
    /// the errno still sees a failure that is neither "missing" nor "no value here".
    public var errno: Errno
    public var kind: Kind

    public init(_ operation: Operation, path: String, errno: Errno) {
        self.operation = operation
        self.path = path
        self.errno = errno
        self.kind = .system
    }

    /// A file that was refused because it is not a regular file.
    public init(_ operation: Operation, path: String, refused type: FileType) {
        self.operation = operation
        self.path = path
        self.errno = type == .directory ? .isDirectory : .noSuchAddressOrDevice
        self.kind = .notRegularFile(type)
    }

    /// True when the file simply is not there: older kernels, other drivers, or a partial
    /// snapshot. Callers treat that as "unknown", not as a failure.
    public var isMissing: Bool { kind == .system && (errno == .noSuchFileOrDirectory || errno == .notDirectory) }

    /// The sentence after the path, one line: "cannot read: Permission denied (EACCES)" or
    /// "is a FIFO, not a file; refusing to read it".
    public var reason: String {
        switch kind {
        case .system: return "cannot \(operation.rawValue): \(errno.plainDescription)"
        case .notRegularFile(let type):
            let what = type == .other ? "is not a regular file" : "is \(type.rawValue), not a file"
            return "\(what); refusing to \(operation.rawValue) it"
        }
    }

    public var description: String {
        switch kind {
        case .system: return "cannot \(operation.rawValue) \(InputQuote.escaped(path)): \(errno.plainDescription)"
        case .notRegularFile: return "\(InputQuote.escaped(path)) \(reason)"
        }
    }
}

extension Errno {
    /// "Permission denied (EACCES)": the sentence for people, the symbol for searching.
    public var plainDescription: String {
        if let symbol = Errno.symbols[rawValue] { return "\(description) (\(symbol))" }
        return "\(description) (errno \(rawValue))"
    }

    /// The errno names cmtune's users meet when reading and writing /proc and /sys.
    static let symbols: [CInt: String] = [
        1: "EPERM", 2: "ENOENT", 4: "EINTR", 5: "EIO", 6: "ENXIO", 9: "EBADF", 12: "ENOMEM", 13: "EACCES",
        16: "EBUSY", 17: "EEXIST", 19: "ENODEV", 20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL",
        24: "EMFILE", 28: "ENOSPC", 30: "EROFS", 34: "ERANGE", 75: "EOVERFLOW", 95: "EOPNOTSUPP",
    ]
}

/// A problem found while reading the host that does not stop the command: a malformed line,
/// an unreadable file, a mask wider than the machine. Shown on stderr, exit status 1, and the
/// rest of the output is still printed.
public struct HostIssue: Sendable, Equatable, CustomStringConvertible, Codable {
    public var path: String
    public var line: Int?
    public var message: String

    public init(path: String, line: Int? = nil, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public init(_ error: HostError) {
        self.init(path: error.path, message: error.reason)
    }

    /// One line. The path is escaped like quoted input: its names come from the tree read
    /// (an interface's directory), which a corrupt copy can fill with terminal escapes.
    public var description: String {
        let path = InputQuote.escaped(path)
        if let line { return "\(path):\(line): \(message)" }
        return "\(path): \(message)"
    }
}

extension Array where Element == HostIssue {
    /// Each problem once, in the order first met: two readers of one file (the inventory and a
    /// counter sample both read /proc/interrupts) report its damage twice.
    public func uniqued() -> [HostIssue] {
        var seen = Set<String>()
        return filter { seen.insert($0.description).inserted }
    }
}
