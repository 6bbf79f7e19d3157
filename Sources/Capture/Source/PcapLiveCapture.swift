internal import CPcap
internal import Glibc
import HostKit
internal import Synchronization

/// Counters from `pcap_stats`. On Linux `received` counts the packets that passed the filter,
/// including those the kernel then dropped for lack of buffer space (`droppedByKernel`);
/// `droppedByInterface` is the interface's own rx drop counter, since the capture started.
public struct CaptureStatistics: Sendable, Hashable {
    public var received: UInt64
    public var droppedByKernel: UInt64
    public var droppedByInterface: UInt64

    public init(received: UInt64, droppedByKernel: UInt64, droppedByInterface: UInt64) {
        self.received = received
        self.droppedByKernel = droppedByKernel
        self.droppedByInterface = droppedByInterface
    }
}

/// Stops a live capture from any thread, or from a signal handler: `breakLoop()` only writes
/// one byte to a non-blocking pipe (async-signal-safe), which wakes a `next` blocked in poll(2).
/// Stopping is sticky: every later `next` returns nil at once.
public final class PcapBreaker: Sendable {
    private let readEnd: Int32
    private let writeEnd: Int32
    /// Checked before every read, so a stop takes effect even while packets keep coming.
    private let requested = Atomic<Bool>(false)

    fileprivate init() throws(CaptureError) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            let error = Glibc.errno
            throw CaptureError(
                kind: .activationFailed, errno: error,
                message: "cannot create the pipe that stops a capture: \(String(cString: strerror(error)))")
        }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        Glibc.close(readEnd)
        Glibc.close(writeEnd)
    }

    fileprivate var fileDescriptor: Int32 { readEnd }

    /// Asks the capture to stop.
    public func breakLoop() {
        requested.store(true, ordering: .releasing)
        var byte: UInt8 = 1
        _ = Glibc.write(writeEnd, &byte, 1)
    }

    fileprivate var isRequested: Bool { requested.load(ordering: .acquiring) }

    /// Empties the pipe; true when a stop was requested.
    fileprivate func drain() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 64)
        var any = false
        while Glibc.read(readEnd, &buffer, buffer.count) > 0 { any = true }
        return any
    }
}

/// A live capture on one interface (`any` captures on all, with Linux cooked headers).
///
/// The handle is activated in non-blocking mode and waited on with poll(2) together with the
/// breaker's pipe, so `next(timeout:)` honours any timeout and `breakLoop()` wakes it at
/// once. It owns the `pcap_t` and closes it in `deinit`. Not thread-safe, except
/// `breakLoop()` / `breaker`, which any thread may use.
public final class PcapLiveCapture: PacketSource {
    public struct Options: Sendable {
        /// Bytes kept of each packet.
        public var snapshotLength: Int = 262_144
        /// The kernel ring buffer; a bigger one survives longer bursts before dropping.
        public var bufferSize: Int = 8 << 20
        /// Deliver each packet as soon as it arrives rather than when a buffer block fills.
        public var immediateMode: Bool = true
        public var promiscuous: Bool = false
        /// libpcap's buffer timeout (pcap_set_timeout), used when immediate mode is off.
        public var bufferTimeout: Duration = .milliseconds(100)
        /// A BPF filter (tcpdump syntax), compiled and installed before the first packet.
        public var filter: String?
        /// A link-layer type to ask for (pcap_set_datalink), e.g. `LinkType.linuxSLL2` on `any`.
        public var linkType: Int32?
        /// A named network namespace (`ip netns add NAME`) holding the interface; the capture
        /// socket is created inside it and keeps capturing there, while the rest of the process
        /// stays where it is.
        public var networkNamespace: String?

        public init() {}
    }

    public let interface: String
    /// The link-layer header type of the captured packets (DLT value).
    public let linkType: Int32
    /// What pcap_activate warned about (promiscuous mode unsupported, ...), in plain words.
    public let warnings: [String]
    /// Timestamps are nanosecond when the platform allows it, else microsecond.
    public let hasNanosecondTimestamps: Bool
    /// Stops the capture from another thread or a signal handler.
    public let breaker: PcapBreaker
    /// True once `breakLoop()` has taken effect.
    public private(set) var isStopped = false
    /// The network namespace the capture runs in, when not the process's own.
    public let networkNamespace: String?

    private let handle: OpaquePointer
    private let selectableDescriptor: Int32

    public init(interface: String, options: Options = Options()) throws(CaptureError) {
        guard !interface.isEmpty else {
            throw CaptureError(kind: .invalidArgument, message: "no interface named: pass an interface name or `any`")
        }
        self.interface = interface
        networkNamespace = options.networkNamespace
        breaker = try PcapBreaker()
        let opened = try Self.inNamespace(options.networkNamespace, interface) { () throws(CaptureError) in
            try Self.activate(interface, options)
        }
        handle = opened.handle
        warnings = opened.warnings
        hasNanosecondTimestamps = opened.nanosecond
        selectableDescriptor = opened.selectable
        linkType = opened.linkType
        if let filter = options.filter {
            try setFilter(filter)  // on failure deinit closes the handle
        }
    }

    /// pcap_create, the settings, pcap_activate, pcap_set_datalink and non-blocking mode; the
    /// handle is closed on any failure.
    private static func activate(
        _ interface: String, _ options: Options
    ) throws(CaptureError) -> (handle: OpaquePointer, warnings: [String], nanosecond: Bool, selectable: Int32, linkType: Int32) {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let created = pcap_create(interface, &errorBuffer) else {
            let text = Self.text(errorBuffer)
            throw CaptureError(
                kind: .activationFailed, interface: interface, libpcapMessage: text,
                message: "cannot open a capture on \(interface): \(text)")
        }

        // From here on, a failure must close `created`: collect it and throw after closing.
        var failure: CaptureError?
        var warnings: [String] = []
        var nanosecond = false
        var selectable: Int32 = -1
        var activeLinkType: Int32 = -1
        repeat {
            let milliseconds = Int32(
                clamping: options.bufferTimeout.components.seconds * 1000
                    + options.bufferTimeout.components.attoseconds / 1_000_000_000_000_000)
            if pcap_set_snaplen(created, Int32(clamping: options.snapshotLength)) != 0
                || pcap_set_buffer_size(created, Int32(clamping: options.bufferSize)) != 0
                || pcap_set_immediate_mode(created, options.immediateMode ? 1 : 0) != 0
                || pcap_set_promisc(created, options.promiscuous ? 1 : 0) != 0
                || pcap_set_timeout(created, max(1, milliseconds)) != 0
            {
                failure = Self.libpcapError(created, interface, .activationFailed, "cannot configure the capture on \(interface)")
                break
            }
            nanosecond = pcap_set_tstamp_precision(created, Int32(PCAP_TSTAMP_PRECISION_NANO)) == 0
            let status = pcap_activate(created)
            if status < 0 {
                failure = Self.activationError(created, interface, status)
                break
            }
            if status > 0 { warnings.append(Self.activationWarning(created, interface, status)) }
            nanosecond = pcap_get_tstamp_precision(created) == Int32(PCAP_TSTAMP_PRECISION_NANO)

            if let requested = options.linkType, pcap_set_datalink(created, requested) != 0 {
                failure = Self.libpcapError(
                    created, interface, .unsupported,
                    "\(interface) cannot deliver link-layer type \(LinkType.name(requested))")
                break
            }
            activeLinkType = pcap_datalink(created)
            if pcap_setnonblock(created, 1, &errorBuffer) != 0 {
                failure = CaptureError(
                    kind: .activationFailed, interface: interface, libpcapMessage: Self.text(errorBuffer),
                    message: "cannot put the capture on \(interface) in non-blocking mode")
                break
            }
            selectable = pcap_get_selectable_fd(created)
            if selectable < 0 {
                failure = CaptureError(
                    kind: .activationFailed, interface: interface,
                    message: "libpcap gives no pollable descriptor for \(interface)")
                break
            }
        } while false
        if let failure {
            pcap_close(created)
            throw failure
        }
        return (created, warnings, nanosecond, selectable, activeLinkType)
    }

    deinit {
        pcap_close(handle)
    }

    /// Compiles `expression` (tcpdump filter syntax) and installs it in the kernel.
    public func setFilter(_ expression: String) throws(CaptureError) {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        var network: bpf_u_int32 = 0
        var netmask: bpf_u_int32 = 0
        // The netmask matters only to `ip broadcast`; look it up where the interface lives.
        let found =
            (try? Self.inNamespace(networkNamespace, interface) { () throws(CaptureError) in
                pcap_lookupnet(interface, &network, &netmask, &errorBuffer) == 0
            }) ?? false
        if !found {
            netmask = PCAP_NETMASK_UNKNOWN
        }
        var program = bpf_program()
        if pcap_compile(handle, &program, expression, 1, netmask) != 0 {
            let text = String(cString: pcap_geterr(handle))
            throw CaptureError(
                kind: .badFilter, interface: interface, libpcapMessage: text,
                message: "bad capture filter \"\(expression)\": \(text)")
        }
        defer { pcap_freecode(&program) }
        if pcap_setfilter(handle, &program) != 0 {
            let text = String(cString: pcap_geterr(handle))
            throw CaptureError(
                kind: .badFilter, interface: interface, libpcapMessage: text,
                message: "cannot install the capture filter \"\(expression)\" on \(interface): \(text)")
        }
    }

    /// A packet the kernel already holds for this capture, without waiting, stopped or not; nil
    /// when it holds none. After a stop, what arrived before it: a stop then loses no packet that
    /// was already captured.
    public func nextBuffered() throws(CaptureError) -> CapturedPacket? {
        try readOne()
    }

    /// Waits for the next packet; nil once the capture is stopped.
    public func next() throws(CaptureError) -> CapturedPacket? {
        while !isStopped {
            if let packet = try next(timeout: nil) { return packet }
        }
        return nil
    }

    /// The next packet, waiting at most `timeout`; nil when none came in time or the capture
    /// is stopped (see `isStopped`).
    public func next(timeout: Duration) throws(CaptureError) -> CapturedPacket? {
        try next(timeout: Optional(timeout))
    }

    private func next(timeout: Duration?) throws(CaptureError) -> CapturedPacket? {
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now.advanced(by: $0) }
        var descriptorFailed = false
        while !isStopped {
            if breaker.isRequested {
                _ = breaker.drain()
                isStopped = true
                break
            }
            if let packet = try readOne() { return packet }
            if descriptorFailed {
                // poll reported an error and libpcap had neither a packet nor an explanation.
                throw CaptureError(
                    kind: .readFailed, interface: interface,
                    message: "the capture on \(interface) failed: its socket reports an error (did the interface go away?)")
            }
            var waitMilliseconds: Int32 = -1
            if let deadline {
                let remaining = clock.now.duration(to: deadline)
                if remaining <= .zero {
                    // One last look: a packet may have arrived just now.
                    return try readOne()
                }
                let (seconds, attoseconds) = remaining.components
                waitMilliseconds = Int32(clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
            }
            descriptorFailed = try wait(milliseconds: waitMilliseconds)
        }
        return nil
    }

    /// Polls the capture descriptor and the breaker's pipe; true when the capture descriptor
    /// reports an error with nothing to read.
    private func wait(milliseconds: Int32) throws(CaptureError) -> Bool {
        var descriptors = [
            pollfd(fd: selectableDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: breaker.fileDescriptor, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            let ready = poll(&descriptors, 2, milliseconds)
            if ready >= 0 { break }
            let error = Glibc.errno
            if error == EINTR { continue }
            throw CaptureError(
                kind: .readFailed, interface: interface, errno: error,
                message: "waiting for packets on \(interface) failed: \(String(cString: strerror(error)))")
        }
        if descriptors[1].revents & Int16(POLLIN) != 0 {
            if breaker.drain() { isStopped = true }
        }
        // libpcap reports the reason (the interface went away) from the next read.
        return descriptors[0].revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0
            && descriptors[0].revents & Int16(POLLIN) == 0
    }

    /// One non-blocking read.
    private func readOne() throws(CaptureError) -> CapturedPacket? {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let status = pcap_next_ex(handle, &header, &data)
        if status == 1, let header {
            let captured = Int(header.pointee.caplen)
            let bytes: [UInt8]
            if captured > 0, let data {
                bytes = [UInt8](UnsafeBufferPointer(start: data, count: captured))
            } else {
                bytes = []
            }
            return CapturedPacket(
                timestamp: CaptureTimestamp(
                    sanitizingSeconds: Int64(header.pointee.ts.tv_sec), fraction: Int64(header.pointee.ts.tv_usec),
                    fractionsPerSecond: hasNanosecondTimestamps ? 1_000_000_000 : 1_000_000),
                linkType: linkType,
                originalLength: Int(header.pointee.len),
                data: bytes)
        }
        if status == 0 { return nil }
        if status == PCAP_ERROR_BREAK {
            isStopped = true
            return nil
        }
        let text = String(cString: pcap_geterr(handle))
        let kind: CaptureError.Kind =
            text.contains("disappeared") || text.contains("No such device")
            ? .noSuchDevice : text.contains("went down") ? .interfaceNotUp : .readFailed
        throw CaptureError(
            kind: kind, interface: interface, libpcapMessage: text,
            message: "capture on \(interface) failed: \(text)")
    }

    /// Asks the capture to stop; safe from any thread and from a signal handler.
    public func breakLoop() {
        breaker.breakLoop()
    }

    /// libpcap's counters since the capture started.
    public func statistics() throws(CaptureError) -> CaptureStatistics {
        var stats = pcap_stat()
        guard pcap_stats(handle, &stats) == 0 else {
            let text = String(cString: pcap_geterr(handle))
            throw CaptureError(
                kind: .statisticsUnavailable, interface: interface, libpcapMessage: text,
                message: "cannot read capture statistics for \(interface): \(text)")
        }
        return CaptureStatistics(
            received: UInt64(stats.ps_recv), droppedByKernel: UInt64(stats.ps_drop),
            droppedByInterface: UInt64(stats.ps_ifdrop))
    }

    // MARK: - Network namespaces

    /// Runs `body` with the calling thread inside `/run/netns/NAME` (setns moves only the calling
    /// thread), and always moves it back.
    private static func inNamespace<T>(
        _ name: String?, _ interface: String, _ body: () throws(CaptureError) -> T
    ) throws(CaptureError) -> T {
        guard let name else { return try body() }
        let result: Result<T, CaptureError>
        do {
            result = try NetworkNamespaceEntry.run(inNamed: name, body)
        } catch {
            let code = error.errno.rawValue
            switch error.step {
            case .invalidName:
                throw CaptureError(kind: .invalidArgument, interface: interface, message: error.description)
            case .noSetns:
                throw CaptureError(kind: .activationFailed, interface: interface, message: error.description)
            case .openNamedNamespace where error.isMissing:
                throw CaptureError(kind: .noSuchDevice, interface: interface, errno: code, message: error.description)
            default:
                throw CaptureError(
                    kind: code == EPERM || code == EACCES ? .permissionDenied : .activationFailed, interface: interface,
                    errno: code, message: error.description)
            }
        }
        return try result.get()
    }

    // MARK: - Errors

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func libpcapError(
        _ handle: OpaquePointer, _ interface: String, _ kind: CaptureError.Kind, _ sentence: String
    ) -> CaptureError {
        let text = String(cString: pcap_geterr(handle))
        return CaptureError(
            kind: kind, interface: interface, libpcapMessage: text.isEmpty ? nil : text,
            message: text.isEmpty ? sentence : "\(sentence): \(text)")
    }

    /// pcap_activate's negative codes in plain words.
    private static func activationError(_ handle: OpaquePointer, _ interface: String, _ status: Int32) -> CaptureError {
        let detail = String(cString: pcap_geterr(handle))
        let libpcapText = detail.isEmpty ? String(cString: pcap_statustostr(status)) : detail
        let kind: CaptureError.Kind
        let message: String
        switch status {
        case PCAP_ERROR_NO_SUCH_DEVICE:
            kind = .noSuchDevice
            message = "there is no interface named \(interface) (list them with `ip link`)"
        case PCAP_ERROR_PERM_DENIED:
            kind = .permissionDenied
            message = "capturing on \(interface) needs root or the CAP_NET_RAW capability"
        case PCAP_ERROR_PROMISC_PERM_DENIED:
            kind = .permissionDenied
            message = "promiscuous mode on \(interface) needs root or the CAP_NET_ADMIN capability"
        case PCAP_ERROR_IFACE_NOT_UP:
            kind = .interfaceNotUp
            message = "\(interface) is down; bring it up with `ip link set \(interface) up`"
        case PCAP_ERROR_RFMON_NOTSUP:
            kind = .activationFailed
            message = "\(interface) does not support monitor mode"
        case PCAP_ERROR_ACTIVATED:
            kind = .activationFailed
            message = "the capture on \(interface) was already activated"
        case PCAP_ERROR_TSTAMP_PRECISION_NOTSUP:
            kind = .activationFailed
            message = "\(interface) cannot give timestamps with the requested precision"
        default:
            kind = .activationFailed
            message = "cannot start capturing on \(interface): \(libpcapText)"
        }
        return CaptureError(kind: kind, interface: interface, libpcapMessage: libpcapText, message: message)
    }

    /// pcap_activate's positive codes in plain words.
    private static func activationWarning(_ handle: OpaquePointer, _ interface: String, _ status: Int32) -> String {
        let detail = String(cString: pcap_geterr(handle))
        switch status {
        case PCAP_WARNING_PROMISC_NOTSUP:
            return "\(interface) does not support promiscuous mode; capturing only its own traffic"
                + (detail.isEmpty ? "" : " (\(detail))")
        case PCAP_WARNING_TSTAMP_TYPE_NOTSUP:
            return "\(interface) does not support the requested timestamp type; using the default"
        default:
            return detail.isEmpty
                ? "libpcap warned while starting the capture on \(interface): \(String(cString: pcap_statustostr(status)))"
                : "libpcap warned while starting the capture on \(interface): \(detail)"
        }
    }
}
