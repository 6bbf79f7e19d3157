internal import CNetlink
internal import Glibc

/// A libnl error code (`NLE_*`), as a typed wrapper in the manner of swift-system's `Errno`.
///
/// libnl folds many errnos into one code (and has codes of its own, such as a sequence
/// mismatch), so the code alone cannot tell the user what the kernel refused; `NetlinkError`
/// keeps both.
public struct LibnlCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The positive `NLE_*` value (libnl functions return it negated).
    public var rawValue: Int32

    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// From a libnl return value, which is negative on failure.
    init(returned value: Int32) {
        self.rawValue = Int32(clamping: abs(Int64(value)))
    }

    /// The code libnl would have turned this errno into (`nl_syserr2nlerr`).
    init(errno: Int32) {
        self.rawValue = nl_syserr2nlerr(errno)
    }

    public static var failure: LibnlCode { LibnlCode(rawValue: NLE_FAILURE) }
    public static var again: LibnlCode { LibnlCode(rawValue: NLE_AGAIN) }
    public static var outOfMemory: LibnlCode { LibnlCode(rawValue: NLE_NOMEM) }
    public static var invalidInput: LibnlCode { LibnlCode(rawValue: NLE_INVAL) }
    public static var operationNotSupported: LibnlCode { LibnlCode(rawValue: NLE_OPNOTSUPP) }
    public static var objectNotFound: LibnlCode { LibnlCode(rawValue: NLE_OBJ_NOTFOUND) }
    public static var sequenceMismatch: LibnlCode { LibnlCode(rawValue: NLE_SEQ_MISMATCH) }
    public static var messageTruncated: LibnlCode { LibnlCode(rawValue: NLE_MSG_TRUNC) }
    public static var permissionDenied: LibnlCode { LibnlCode(rawValue: NLE_PERM) }
    public static var noAccess: LibnlCode { LibnlCode(rawValue: NLE_NOACCESS) }
    public static var noDevice: LibnlCode { LibnlCode(rawValue: NLE_NODEV) }
    public static var parseError: LibnlCode { LibnlCode(rawValue: NLE_PARSE_ERR) }

    /// libnl's own text (`nl_geterror`), e.g. "Object not found".
    public var description: String {
        String(cString: nl_geterror(rawValue))
    }
}

/// A failed netlink operation: what was attempted, what libnl and the kernel said, and one
/// sentence for the user.
///
/// The raw errno is kept beside libnl's code because libnl's mapping loses detail (ENODEV and
/// ENXIO, EPERM and EACCES) and because the user-facing models (`DeviceQueryFailure`) report errno.
public struct NetlinkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was attempted, e.g. `ethtool CHANNELS_GET eth0`.
    public var operation: String
    /// libnl's code, when the failure came through libnl.
    public var code: LibnlCode?
    /// The kernel's (or a syscall's) errno, when known.
    public var errno: Int32?
    /// The kernel's extended-ack message (NLMSGERR_ATTR_MSG), when it gave one.
    public var extendedAck: String?
    /// The generic-netlink family the kernel does not have, when that is the failure: callers
    /// treat a missing family as "not supported on this kernel", not as an error.
    public var missingFamily: String?
    /// One plain sentence for the user.
    public var message: String

    public init(
        operation: String, code: LibnlCode? = nil, errno: Int32? = nil, extendedAck: String? = nil,
        missingFamily: String? = nil, message: String
    ) {
        self.operation = operation
        self.code = code
        self.errno = errno
        self.extendedAck = extendedAck
        self.missingFamily = missingFamily
        self.message = message
    }

    /// The driver does not implement the operation, or the kernel lacks the family or command:
    /// the answer is "not supported", which tools show as n/a rather than as a failure.
    public var isNotSupported: Bool {
        missingFamily != nil || errno == EOPNOTSUPP || errno == Self.kernelENOTSUPP
            || (errno == nil && code == .operationNotSupported)
    }

    /// ENOTSUPP (include/linux/errno.h) is kernel-internal, but some drivers' ethtool callbacks
    /// return it and it reaches user space unchanged; it means the same as EOPNOTSUPP.
    static let kernelENOTSUPP: Int32 = 524

    public var description: String {
        var codes: [String] = []
        if let errno { codes.append("errno \(errno)") }
        if let code { codes.append("libnl \(code.rawValue)") }
        let suffix = codes.isEmpty ? "" : " (\(codes.joined(separator: ", ")))"
        return "\(operation): \(message)\(suffix)"
    }
}

// MARK: Making errors with a sentence

extension NetlinkError {
    /// The kernel refused the request with an errno.
    static func kernel(
        operation: String, errno: Int32, extendedAck: String?, privilege: String = "CAP_NET_ADMIN"
    ) -> NetlinkError {
        NetlinkError(
            operation: operation, code: LibnlCode(errno: errno), errno: errno, extendedAck: extendedAck,
            message: Self.sentence(errno: errno, privilege: privilege, extendedAck: extendedAck))
    }

    /// libnl failed on its own (no kernel errno), e.g. a sequence mismatch or out of memory.
    static func libnl(operation: String, returned value: Int32) -> NetlinkError {
        let code = LibnlCode(returned: value)
        return NetlinkError(operation: operation, code: code, message: Self.sentence(code: code))
    }

    /// A syscall outside libnl failed (open, setns, setsockopt).
    static func system(operation: String, errno: Int32, privilege: String) -> NetlinkError {
        NetlinkError(
            operation: operation, errno: errno,
            message: Self.sentence(errno: errno, privilege: privilege, extendedAck: nil))
    }

    /// The bytes from the kernel do not parse; a bug on one side or the other, never the user's.
    static func malformed(_ detail: String) -> NetlinkError {
        NetlinkError(
            operation: "parse netlink reply", code: .parseError,
            message: "the kernel's reply could not be parsed: \(detail)")
    }

    /// Plain English for the errnos these requests meet, with the privilege the caller needs.
    static func sentence(errno: Int32, privilege: String, extendedAck: String?) -> String {
        let base: String
        switch errno {
        case EPERM, EACCES:
            base = "permission denied: this needs \(privilege) (run cmtune as root)"
        case ENODEV, ENXIO:
            base =
                "no such interface: the kernel has no network device with that index or name in this network namespace"
        case ENOENT:
            base = "not found"
        case EOPNOTSUPP, kernelENOTSUPP:
            base = "the driver does not support this request"
        case EINVAL:
            base = "the kernel rejected the request as invalid"
        case ERANGE:
            base = "a requested value is outside what the device allows"
        case EBUSY:
            base = "the device is busy"
        case ENOMEM, ENOBUFS:
            base = "the kernel ran out of memory for the request"
        case EAGAIN, ETIMEDOUT:
            base = "the kernel did not answer in time"
        default:
            base = String(cString: strerror(errno))
        }
        guard let extendedAck, !extendedAck.isEmpty else { return base }
        return "\(base) (kernel: \(extendedAck))"
    }

    static func sentence(code: LibnlCode) -> String {
        switch code {
        case .sequenceMismatch:
            "a reply arrived out of order on the netlink socket"
        case .outOfMemory:
            "out of memory"
        case .again:
            "the kernel did not answer in time"
        case .permissionDenied, .noAccess:
            "permission denied: this needs CAP_NET_ADMIN (run cmtune as root)"
        default:
            "netlink failed: \(code.description.lowercased())"
        }
    }
}
