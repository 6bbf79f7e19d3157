internal import Glibc

/// Writes a long capture as a series of pcap files, as `tcpdump -C/-G/-W` does, so a capture
/// left running on a busy CM host neither fills the disk nor makes one file too large to read.
///
/// `-w cm.pcap` becomes `cm.000001.pcap`, `cm.000002.pcap`, ...: numbered in order, so a
/// shell glob lists them oldest first and `cmtune decode cm.*.pcap` reads them as one capture
/// (connections continue across files). A file ends before the packet that would take it past
/// `maximumBytes`, or at the first packet `interval` seconds (capture time) after its first;
/// with `keep`, only the newest `keep` files stay, the oldest being deleted as each new one
/// starts (a ring, unlike tcpdump's -W, whose reused names no longer sort by age). With an
/// empty policy it writes the one file `path` names, as `PcapWriter` does (`-` is standard output).
public final class RotatingPcapWriter {
    public struct Policy: Sendable, Equatable {
        /// A file's largest size in bytes (headers included); a single larger packet still gets
        /// a file of its own.
        public var maximumBytes: Int?
        /// Seconds of capture time per file.
        public var interval: Double?
        /// Files kept, the newest; nil keeps every file.
        public var keep: Int?

        public init(maximumBytes: Int? = nil, interval: Double? = nil, keep: Int? = nil) {
            self.maximumBytes = maximumBytes
            self.interval = interval
            self.keep = keep
        }

        /// True when files are numbered and started anew (a size or an interval is set).
        public var rotates: Bool { maximumBytes != nil || interval != nil }
    }

    public let policy: Policy
    public let linkType: Int32
    public let snapshotLength: Int
    /// The files written, oldest first, still on disk (the last is being written).
    public private(set) var files: [String] = []
    /// Files deleted to keep `policy.keep`.
    public private(set) var deletedFiles = 0
    /// Packets written, over all files.
    public private(set) var packetsWritten = 0

    /// The file written when the policy does not rotate.
    private let single: String?
    private let stem: String
    private let suffix: String
    private var current: PcapWriter?
    private var currentBytes = 0
    private var currentStart: CaptureTimestamp?
    private var nextNumber = 1

    /// libpcap's file header, and each record's header before its bytes.
    static let fileHeaderBytes = 24
    static let recordHeaderBytes = 16

    /// `path` names the series (`-`, standard output, is one stream and cannot rotate). The
    /// first file is created at once, so a directory that cannot be written is an error before
    /// capturing.
    public init(path: String, linkType: Int32, snapshotLength: Int = 262_144, policy: Policy = Policy()) throws(CaptureError) {
        guard path != "-" || !policy.rotates else {
            throw CaptureError(
                kind: .invalidArgument, file: path, message: "cannot rotate standard output: give -w a file name")
        }
        if policy.keep != nil && !policy.rotates {
            throw CaptureError(
                kind: .invalidArgument, file: path, message: "keeping files of \(path) needs a size or an interval to rotate at")
        }
        if let maximumBytes = policy.maximumBytes, maximumBytes < Self.fileHeaderBytes + Self.recordHeaderBytes + 1 {
            throw CaptureError(
                kind: .invalidArgument, file: path,
                message: "cannot rotate \(path) every \(maximumBytes) bytes: a file needs room for its header and a packet")
        }
        if let interval = policy.interval, !(interval > 0) {
            throw CaptureError(kind: .invalidArgument, file: path, message: "cannot rotate \(path): the interval must be positive")
        }
        if let keep = policy.keep, keep < 1 {
            throw CaptureError(kind: .invalidArgument, file: path, message: "cannot keep \(keep) files of \(path): keep 1 or more")
        }
        self.policy = policy
        self.linkType = linkType
        self.snapshotLength = snapshotLength
        single = policy.rotates ? nil : path
        (stem, suffix) = Self.split(path)
        try startFile()
    }

    /// The name of file `number` of the series `path`: the number goes before the extension.
    public static func fileName(_ path: String, number: Int) -> String {
        let (stem, suffix) = split(path)
        return name(stem: stem, suffix: suffix, number: number)
    }

    /// Appends one packet, starting a new file first when the policy says so.
    public func write(_ packet: CapturedPacket) throws(CaptureError) {
        let record = Self.recordHeaderBytes + min(packet.data.count, snapshotLength)
        if policy.rotates, let writer = current, writer.packetsWritten > 0, endsFile(before: packet, recordBytes: record) {
            try finishFile()
            try startFile()
        }
        guard let writer = current else {
            throw CaptureError(kind: .writeFailed, file: stem + suffix, message: "cannot write to \(stem + suffix): the writer is closed")
        }
        try writer.write(packet)
        if currentStart == nil { currentStart = packet.timestamp }
        currentBytes += record
        packetsWritten += 1
    }

    public func flush() throws(CaptureError) {
        try current?.flush()
    }

    /// Flushes and closes the last file; closing twice is harmless.
    public func close() throws(CaptureError) {
        try finishFile()
    }

    private func endsFile(before packet: CapturedPacket, recordBytes: Int) -> Bool {
        if let maximumBytes = policy.maximumBytes, currentBytes + recordBytes > maximumBytes { return true }
        if let interval = policy.interval, let start = currentStart, packet.timestamp.seconds(since: start) >= interval {
            return true
        }
        return false
    }

    private func finishFile() throws(CaptureError) {
        guard let writer = current else { return }
        current = nil
        try writer.close()
    }

    private func startFile() throws(CaptureError) {
        let path = single ?? Self.name(stem: stem, suffix: suffix, number: nextNumber)
        current = try PcapWriter(path: path, linkType: linkType, snapshotLength: snapshotLength)
        nextNumber += 1
        files.append(path)
        currentBytes = Self.fileHeaderBytes
        currentStart = nil
        if let keep = policy.keep {
            while files.count > keep { try delete(files.removeFirst()) }
        }
    }

    private func delete(_ path: String) throws(CaptureError) {
        guard unlink(path) == 0 || errno == ENOENT else {
            let savedErrno = errno
            throw CaptureError(
                kind: .writeFailed, file: path, errno: savedErrno,
                message: "cannot delete \(path) to keep \(policy.keep ?? 0) files: \(String(cString: strerror(savedErrno)))")
        }
        deletedFiles += 1
    }

    /// `dir/cm.pcap` -> (`dir/cm`, `.pcap`); a name without an extension has an empty suffix.
    private static func split(_ path: String) -> (stem: String, suffix: String) {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        guard let dot = path[slash...].lastIndex(of: "."), dot > slash else { return (path, "") }
        return (String(path[..<dot]), String(path[dot...]))
    }

    private static func name(stem: String, suffix: String, number: Int) -> String {
        let digits = String(number)
        return stem + "." + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + suffix
    }
}
