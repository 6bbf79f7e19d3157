import SystemPackage

/// A failed read or write of a /proc or /sys file, with the errno the kernel gave.
///
/// The path is the one the user can type (`/snap/proc/interrupts` under `--root /snap`), so a
/// message can be followed up with `ls` or `cat` without translation.
public struct HostError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Operation: String, Sendable, Equatable {
        case read, list, readLink = "read link", write, create
    }

    public var operation: Operation
    public var path: String
    public var errno: Errno

    public init(_ operation: Operation, path: String, errno: Errno) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    /// True when the file simply is not there: older kernels, other drivers, or a partial
    /// snapshot. Callers treat that as "unknown", not as a failure.
    public var isMissing: Bool { errno == .noSuchFileOrDirectory || errno == .notDirectory }

    public var description: String {
        "cannot \(operation.rawValue) \(path): \(errno.plainDescription)"
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
        1: "EPERM", 2: "ENOENT", 4: "EINTR", 5: "EIO", 9: "EBADF", 12: "ENOMEM", 13: "EACCES",
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
        self.init(path: error.path, message: "cannot \(error.operation.rawValue): \(error.errno.plainDescription)")
    }

    public var description: String {
        if let line { return "\(path):\(line): \(message)" }
        return "\(path): \(message)"
    }
}
