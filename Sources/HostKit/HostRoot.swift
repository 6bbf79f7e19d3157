/// The directory that stands for `/` when cmtune reads the host.
///
/// `/` in production; a `cmtune snapshot` directory or a test fixture tree otherwise. Every
/// read of /proc and /sys goes through here with a path relative to the root
/// (`proc/interrupts`), so the same code analyses a live host and a copy taken elsewhere.
public struct HostRoot: Sendable {
    /// The root directory, without a trailing slash except for `/` itself.
    public let path: String
    /// When set, every path read or listed is noted, so `snapshot` copies exactly what the
    /// commands read.
    public let recorder: AccessRecorder?

    public init(_ path: String = "/", recorder: AccessRecorder? = nil) {
        var normalized = path
        while normalized.count > 1 && normalized.hasSuffix("/") { normalized.removeLast() }
        self.path = normalized.isEmpty ? "/" : normalized
        self.recorder = recorder
    }

    /// True when this is the running host, so live sources (netlink) describe the same machine.
    public var isLiveSystem: Bool { path == "/" }

    /// The absolute path of `relativePath` under this root.
    public func absolute(_ relativePath: String) -> String {
        path == "/" ? "/" + relativePath : path + "/" + relativePath
    }

    public func readBytes(_ relativePath: String) throws(HostError) -> [UInt8] {
        recorder?.noteRead(relativePath)
        switch FileSystemCalls.readFile(atPath: absolute(relativePath)) {
        case .success(let bytes): return bytes
        case .failure(let failure): throw failure.hostError(path: absolute(relativePath))
        }
    }

    /// The file's text with the trailing newline that sysfs and procfs add removed.
    public func read(_ relativePath: String) throws(HostError) -> String {
        var bytes = try readBytes(relativePath)
        while let last = bytes.last, last == 0x0A || last == 0 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Like `read`, but a missing file is `nil` rather than an error.
    public func readIfPresent(_ relativePath: String) throws(HostError) -> String? {
        do {
            return try read(relativePath)
        } catch  where error.isMissing {
            return nil
        }
    }

    /// Names in a directory, sorted so that `rx-10` follows `rx-9` (numeric runs compare as numbers).
    /// `sorted` false leaves them in directory order, for a caller that orders them itself (a
    /// NIC's thousands of queues are ordered by index, not by comparing names).
    public func list(_ relativePath: String, sorted: Bool = true) throws(HostError) -> [String] {
        recorder?.noteListing(relativePath)
        switch FileSystemCalls.listDirectory(atPath: absolute(relativePath)) {
        case .success(let names): return sorted ? names.sorted(by: naturalOrder) : names
        case .failure(let errno): throw HostError(.list, path: absolute(relativePath), errno: errno)
        }
    }

    /// Like `list`, but a missing directory is empty.
    public func listIfPresent(_ relativePath: String, sorted: Bool = true) throws(HostError) -> [String] {
        do {
            return try list(relativePath, sorted: sorted)
        } catch  where error.isMissing {
            return []
        }
    }

    /// A symbolic link's target text, as stored (sysfs links are relative).
    public func readLink(_ relativePath: String) throws(HostError) -> String {
        recorder?.noteLink(relativePath)
        switch FileSystemCalls.readLink(atPath: absolute(relativePath)) {
        case .success(let target): return target
        case .failure(let errno): throw HostError(.readLink, path: absolute(relativePath), errno: errno)
        }
    }

    public func readLinkIfPresent(_ relativePath: String) -> String? {
        try? readLink(relativePath)
    }

    public func exists(_ relativePath: String) -> Bool {
        (try? FileSystemCalls.entryKind(atPath: absolute(relativePath)).get()) != nil
    }

    /// Writes a /proc or /sys value in one `write`, as the kernel expects.
    public func write(_ relativePath: String, _ text: String) throws(HostError) {
        let result = FileSystemCalls.writeFile(atPath: absolute(relativePath), bytes: Array(text.utf8))
        if case .failure(let errno) = result { throw HostError(.write, path: absolute(relativePath), errno: errno) }
    }
}

/// Orders `rx-2` before `rx-10` and `cpu9` before `cpu10`, the way people number things.
func naturalOrder(_ left: String, _ right: String) -> Bool {
    var leftBytes = left.utf8.makeIterator()
    var rightBytes = right.utf8.makeIterator()
    var leftNext = leftBytes.next()
    var rightNext = rightBytes.next()
    while let l = leftNext, let r = rightNext {
        if l.isASCIIDigit && r.isASCIIDigit {
            var leftNumber = 0
            var rightNumber = 0
            var leftDigits = 0
            var rightDigits = 0
            while let digit = leftNext, digit.isASCIIDigit, leftDigits < 18 {
                leftNumber = leftNumber * 10 + Int(digit - 0x30)
                leftDigits += 1
                leftNext = leftBytes.next()
            }
            while let digit = rightNext, digit.isASCIIDigit, rightDigits < 18 {
                rightNumber = rightNumber * 10 + Int(digit - 0x30)
                rightDigits += 1
                rightNext = rightBytes.next()
            }
            if leftNumber != rightNumber { return leftNumber < rightNumber }
            continue
        }
        if l != r { return l < r }
        leftNext = leftBytes.next()
        rightNext = rightBytes.next()
    }
    return leftNext == nil && rightNext != nil
}
