/// A failure of a capture source or writer: which file or interface, what libpcap (or the
/// system) said, and one plain sentence for the user.
///
/// Every libpcap failure becomes one of these; `kind` lets a caller react (stop reading a
/// corrupt file, tell the user to run as root) without parsing libpcap's text.
public struct CaptureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, coarse enough to act on.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The file could not be opened (missing, unreadable, a directory).
        case cannotOpen
        /// The file does not start with a pcap or pcapng magic number.
        case notACaptureFile
        /// The file ends in the middle of its header or of a packet record.
        case truncated
        /// A length or other field has a value no capture can have.
        case corrupt
        /// A capture file or link type libpcap cannot handle (a pcap version, mixed link types).
        case unsupported
        /// The operating system refused a read.
        case readFailed
        /// No interface has that name.
        case noSuchDevice
        /// Capturing needs privileges the process lacks (root or CAP_NET_RAW).
        case permissionDenied
        /// The interface is down.
        case interfaceNotUp
        /// Activating the capture failed for another reason.
        case activationFailed
        /// The BPF filter expression does not compile or cannot be installed.
        case badFilter
        /// Writing a capture file failed.
        case writeFailed
        /// pcap_stats failed.
        case statisticsUnavailable
        /// An argument was rejected before libpcap was called (an empty interface name, a
        /// link type the writer cannot write).
        case invalidArgument
    }

    public var kind: Kind
    /// The capture file, when the failure concerns one.
    public var file: String?
    /// The interface, when the failure concerns a live capture.
    public var interface: String?
    /// libpcap's own text (pcap_geterr or the error buffer), verbatim.
    public var libpcapMessage: String?
    /// The errno of the failing system call, when one is known.
    public var errno: Int32?
    /// One plain sentence for the user, naming the file or interface.
    public var message: String

    public init(
        kind: Kind, file: String? = nil, interface: String? = nil, libpcapMessage: String? = nil,
        errno: Int32? = nil, message: String
    ) {
        self.kind = kind
        self.file = file
        self.interface = interface
        self.libpcapMessage = libpcapMessage
        self.errno = errno
        self.message = message
    }

    /// The sentence, followed by libpcap's own words when they add something.
    public var description: String {
        guard let libpcapMessage, !libpcapMessage.isEmpty, !message.contains(libpcapMessage) else {
            return message
        }
        return "\(message) (libpcap: \(libpcapMessage))"
    }
}
