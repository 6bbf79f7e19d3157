internal import CPcap
internal import Glibc

/// Writes a classic pcap file (nanosecond or microsecond timestamps) through libpcap's
/// pcap_dump, which tcpdump, tshark and Wireshark read.
///
/// It owns a dead `pcap_t` and the dumper; `close()` flushes and reports any write error
/// (pcap_dump itself reports none, so the stream's error flag is checked after each write).
/// Not thread-safe.
public final class PcapWriter {
    public let path: String
    public let linkType: Int32
    public let snapshotLength: Int
    public let nanosecondPrecision: Bool
    /// Packets written so far.
    public private(set) var packetsWritten = 0

    private var handle: OpaquePointer?
    private var dumper: OpaquePointer?

    /// Creates (or truncates) `path`; `-` writes to standard output.
    public init(
        path: String, linkType: Int32, snapshotLength: Int = 262_144, nanosecondPrecision: Bool = true
    ) throws(CaptureError) {
        self.path = path
        self.linkType = linkType
        self.snapshotLength = snapshotLength
        self.nanosecondPrecision = nanosecondPrecision
        guard snapshotLength > 0 else {
            throw CaptureError(
                kind: .invalidArgument, file: path, message: "cannot write \(path): the snapshot length must be positive")
        }
        guard
            let dead = pcap_open_dead_with_tstamp_precision(
                linkType, Int32(clamping: snapshotLength),
                UInt32(nanosecondPrecision ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO))
        else {
            throw CaptureError(kind: .writeFailed, file: path, message: "cannot write \(path): libpcap is out of memory")
        }
        Glibc.errno = 0
        guard let opened = pcap_dump_open(dead, path) else {
            let savedErrno = Glibc.errno
            let text = String(cString: pcap_geterr(dead))
            pcap_close(dead)
            if text.contains("isn't supported in savefiles") {
                throw CaptureError(
                    kind: .invalidArgument, file: path, libpcapMessage: text,
                    message: "cannot write \(path): link-layer type \(LinkType.name(linkType)) has no pcap file equivalent")
            }
            throw CaptureError(
                kind: .writeFailed, file: path, libpcapMessage: text, errno: savedErrno == 0 ? nil : savedErrno,
                message: "cannot create \(path): " + (savedErrno == 0 ? text : String(cString: strerror(savedErrno))))
        }
        handle = dead
        dumper = opened
    }

    deinit {
        if let dumper { pcap_dump_close(dumper) }
        if let handle { pcap_close(handle) }
    }

    /// Appends one packet; bytes beyond the snapshot length are not written (the original
    /// length is kept, as a capture with that snapshot length would have recorded it).
    public func write(_ packet: CapturedPacket) throws(CaptureError) {
        guard packet.linkType == linkType else {
            throw CaptureError(
                kind: .invalidArgument, file: path,
                message: "cannot write a \(LinkType.name(packet.linkType)) packet into \(path), a \(LinkType.name(linkType)) file")
        }
        try write(packet.data, timestamp: packet.timestamp, originalLength: packet.originalLength)
    }

    /// Appends one packet from its bytes; `originalLength` defaults to the byte count.
    public func write(_ bytes: [UInt8], timestamp: CaptureTimestamp, originalLength: Int? = nil) throws(CaptureError) {
        guard let dumper else {
            throw CaptureError(kind: .writeFailed, file: path, message: "cannot write to \(path): the writer is closed")
        }
        let captured = min(bytes.count, snapshotLength)
        var header = pcap_pkthdr()
        header.ts.tv_sec = Int(timestamp.seconds)
        header.ts.tv_usec = Int(nanosecondPrecision ? timestamp.nanoseconds : timestamp.nanoseconds / 1000)
        header.caplen = bpf_u_int32(captured)
        header.len = bpf_u_int32(clamping: max(originalLength ?? bytes.count, captured))
        bytes.withUnsafeBufferPointer { buffer in
            // pcap_dump's first argument is the dumper passed as libpcap's "user" pointer.
            pcap_dump(UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self), &header, buffer.baseAddress)
        }
        if ferror(pcap_dump_file(dumper)) != 0 {
            throw failure("cannot write packet \(packetsWritten + 1) to \(path)", errno: Glibc.errno)
        }
        packetsWritten += 1
    }

    /// Pushes buffered packets to the file.
    public func flush() throws(CaptureError) {
        guard let dumper else { return }
        if pcap_dump_flush(dumper) != 0 || ferror(pcap_dump_file(dumper)) != 0 {
            throw failure("cannot write to \(path)", errno: Glibc.errno)
        }
    }

    /// Flushes and closes the file, reporting a failed final write; closing twice is harmless.
    public func close() throws(CaptureError) {
        guard let dumper else { return }
        let flushed = pcap_dump_flush(dumper) == 0 && ferror(pcap_dump_file(dumper)) == 0
        let flushErrno = Glibc.errno
        // pcap_dump_close ignores fclose's result; the flush above has written everything.
        pcap_dump_close(dumper)
        self.dumper = nil
        if let handle { pcap_close(handle) }
        handle = nil
        if !flushed {
            throw failure("cannot finish writing \(path)", errno: flushErrno)
        }
    }

    private func failure(_ sentence: String, errno: Int32) -> CaptureError {
        CaptureError(
            kind: .writeFailed, file: path, errno: errno == 0 ? nil : errno,
            message: errno == 0 ? sentence : "\(sentence): \(String(cString: strerror(errno)))")
    }
}
