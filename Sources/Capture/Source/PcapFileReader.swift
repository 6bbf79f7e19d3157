internal import CPcap
internal import Glibc

/// Reads a pcap or pcapng file through libpcap, with nanosecond timestamps.
///
/// It owns the `pcap_t` and closes it on `close()` or in `deinit`. Each packet's bytes are copied
/// out of libpcap's buffer before `next()` returns, so no pointer into libpcap outlives a call;
/// into the array the last packet used when no one holds it any more (no allocation per packet).
/// A damaged file raises a `CaptureError` naming the file, the record and what is wrong; after
/// an error `next()` returns nil.
///
/// Not thread-safe (libpcap handles are not): use one reader from one thread at a time.
public final class PcapFileReader: PacketSource {
    public let path: String
    /// The link-layer header type of the file (DLT value).
    public let linkType: Int32
    /// The snapshot length the file header declares (libpcap's sanitised value).
    public let snapshotLength: Int
    /// Records read so far (the number of the last packet `next()` returned).
    @exclusivity(unchecked) public private(set) var packetsRead = 0

    @exclusivity(unchecked) private var handle: OpaquePointer?
    /// The stdio buffer of the file: 128 KiB (fewer system calls, and still within L2).
    static let readBufferSize = 128 << 10
    @exclusivity(unchecked) private var readBuffer: UnsafeMutablePointer<CChar>?
    /// The last packet's bytes, reused when no one holds them any more.
    @exclusivity(unchecked) private var storage: [UInt8] = []

    /// Opens `path` (`-` reads standard input, as with tcpdump).
    public init(path: String) throws(CaptureError) {
        self.path = path
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        Glibc.errno = 0
        // The file is opened here, not by libpcap, to give it a large stdio buffer: libpcap's
        // own fopen reads 4 KiB per read(2), a system call per few packets (bench/README.md).
        // Standard input through its own descriptor, so that closing the capture leaves fd 0 open.
        guard let file = path == "-" ? fdopen(dup(STDIN_FILENO), "rb") : fopen(path, "rb") else {
            let savedErrno = Glibc.errno
            throw Self.openError(path: path, libpcapMessage: "\(path): \(String(cString: strerror(savedErrno)))", errno: savedErrno)
        }
        // glibc ignores the size unless it is given the buffer, so the reader owns it and frees
        // it after libpcap closes the file.
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: Self.readBufferSize)
        setvbuf(file, buffer, _IOFBF, Self.readBufferSize)
        // One thread reads the file, so stdio need not lock it: libpcap makes two reads per
        // packet, and once the decoding threads exist each read took and released the lock.
        _ = __fsetlocking(file, Int32(FSETLOCKING_BYCALLER))
        let opened = pcap_fopen_offline_with_tstamp_precision(file, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errorBuffer)
        let savedErrno = Glibc.errno
        guard let opened else {
            // On failure the file stays the caller's to close (libpcap closes it only with the
            // handle it made).
            fclose(file)
            buffer.deallocate()
            throw Self.openError(path: path, libpcapMessage: Self.text(errorBuffer), errno: savedErrno)
        }
        handle = opened
        readBuffer = buffer
        linkType = pcap_datalink(opened)
        snapshotLength = Int(pcap_snapshot(opened))
    }

    deinit {
        close()
    }

    /// Closes the file now; `next()` then returns nil.
    public func close() {
        if let handle { pcap_close(handle) }
        handle = nil
        readBuffer?.deallocate()
        readBuffer = nil
    }

    /// The next packet, or nil at the end of the file.
    public func next() throws(CaptureError) -> CapturedPacket? {
        guard let handle else { return nil }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let status = pcap_next_ex(handle, &header, &data)
        if status == 1, let header {
            packetsRead += 1
            let captured = Int(header.pointee.caplen)
            // The packet's bytes go into the storage the last packet used when nobody kept it
            // (the usual case: its data was decoded before the next packet is read); when a
            // caller still holds that packet, copy-on-write gives this one a new array.
            storage.removeAll(keepingCapacity: true)
            if captured > 0, let data {
                storage.append(contentsOf: UnsafeBufferPointer(start: data, count: captured))
            }
            let bytes = storage
            return CapturedPacket(
                // Opened with nanosecond precision: libpcap gives nanoseconds in tv_usec.
                timestamp: CaptureTimestamp(
                    sanitizingSeconds: Int64(header.pointee.ts.tv_sec), fraction: Int64(header.pointee.ts.tv_usec),
                    fractionsPerSecond: 1_000_000_000),
                linkType: linkType,
                originalLength: Int(header.pointee.len),
                data: bytes)
        }
        if status == PCAP_ERROR_BREAK {  // end of file
            close()
            return nil
        }
        let message = String(cString: pcap_geterr(handle))
        let savedErrno = Glibc.errno
        close()
        throw Self.readError(
            path: path, record: packetsRead + 1, libpcapMessage: message,
            errno: message.hasPrefix("error reading dump file") ? savedErrno : nil)
    }

    // MARK: - Errors

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func openError(path: String, libpcapMessage: String, errno: Int32) -> CaptureError {
        let name = path == "-" ? "standard input" : path
        let lowered = libpcapMessage.lowercased()
        if lowered.contains("unknown file format") {
            let magic = firstBytes(of: path, count: 4)
            let shown = magic.isEmpty ? "" : " (it starts with " + magic.map { hex($0) }.joined(separator: " ") + ")"
            return CaptureError(
                kind: .notACaptureFile, file: path, libpcapMessage: libpcapMessage,
                message: "\(name) is not a pcap or pcapng capture file: bad magic number\(shown)")
        }
        if lowered.contains("truncated") {
            return CaptureError(
                kind: .truncated, file: path, libpcapMessage: libpcapMessage,
                message: "\(name) is cut short inside its file header")
        }
        if lowered.contains("error reading") || (errno != 0 && libpcapMessage.hasSuffix(String(cString: strerror(errno)))) {
            let reason = String(cString: strerror(errno))
            return CaptureError(
                kind: lowered.contains("error reading") ? .readFailed : .cannotOpen, file: path,
                libpcapMessage: libpcapMessage, errno: errno, message: "cannot read \(name): \(reason)")
        }
        if lowered.contains("version") || lowered.contains("support") {
            return CaptureError(
                kind: .unsupported, file: path, libpcapMessage: libpcapMessage,
                message: "\(name) is a capture file libpcap cannot read: \(libpcapMessage)")
        }
        return CaptureError(
            kind: .corrupt, file: path, libpcapMessage: libpcapMessage,
            message: "\(name) has a damaged header: \(libpcapMessage)")
    }

    private static func readError(path: String, record: Int, libpcapMessage: String, errno: Int32?) -> CaptureError {
        let name = path == "-" ? "standard input" : path
        let lowered = libpcapMessage.lowercased()
        if let errno {
            return CaptureError(
                kind: .readFailed, file: path, libpcapMessage: libpcapMessage, errno: errno,
                message: "cannot read \(name) at packet \(record): \(String(cString: strerror(errno)))")
        }
        if lowered.contains("truncated") {
            return CaptureError(
                kind: .truncated, file: path, libpcapMessage: libpcapMessage,
                message: "\(name) is cut short: packet record \(record) is incomplete")
        }
        if lowered.contains("different link-layer") || lowered.contains("support") {
            return CaptureError(
                kind: .unsupported, file: path, libpcapMessage: libpcapMessage,
                message: "\(name): libpcap cannot read packet record \(record): \(libpcapMessage)")
        }
        if lowered.contains("length") || lowered.contains("caplen") || lowered.contains("snaplen") {
            return CaptureError(
                kind: .corrupt, file: path, libpcapMessage: libpcapMessage,
                message: "\(name) is corrupt: packet record \(record) has an impossible length (\(libpcapMessage))")
        }
        return CaptureError(
            kind: .corrupt, file: path, libpcapMessage: libpcapMessage,
            message: "\(name) is corrupt at packet record \(record): \(libpcapMessage)")
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xf)]])
    }

    /// The first bytes of the file, to show the user what the bad magic number was.
    private static func firstBytes(of path: String, count: Int) -> [UInt8] {
        guard path != "-", let file = fopen(path, "rb") else { return [] }
        defer { fclose(file) }
        var bytes = [UInt8](repeating: 0, count: count)
        let read = fread(&bytes, 1, count, file)
        return Array(bytes.prefix(read))
    }
}
