internal import Glibc

/// `ethtool -S` without running ethtool: the driver's own statistics, read through the classic
/// `SIOCETHTOOL` ioctl (ETHTOOL_GSSET_INFO for the count, ETHTOOL_GSTRINGS for the names,
/// ETHTOOL_GSTATS for the values), because the ethtool netlink family has no command for them.
///
/// This is the only file of the target that hands raw memory to the kernel: the ethtool request
/// structs end in flexible arrays, so each request is a byte array (header, then room for the
/// names or values) whose address goes into `ifreq.ifr_data` for the length of one ioctl. What
/// leaves this file is Swift values.
///
/// The socket is only a handle for the ioctl (`ethtool` itself uses an AF_INET datagram socket);
/// it answers for the network namespace it was created in. Read-only requests need no privilege.
public final class EthtoolIoctlClient: Sendable {
    private let descriptor: Int32
    /// The named network namespace the socket was created in, or nil for the caller's own.
    public let networkNamespace: String?

    public init(networkNamespace: String? = nil) throws(NetlinkError) {
        let operation = "open ethtool ioctl socket" + (networkNamespace.map { " in network namespace \($0)" } ?? "")
        descriptor = try NamespacedSocket.run(named: networkNamespace) { () throws(NetlinkError) in
            try Self.openSocket(operation: operation)
        }
        self.networkNamespace = networkNamespace
    }

    deinit {
        close(descriptor)
    }

    /// An AF_INET datagram socket, as ethtool uses; a kernel built without IPv4 still has
    /// netlink, which takes the same ioctl.
    private static func openSocket(operation: String) throws(NetlinkError) -> Int32 {
        let datagram = Int32(bitPattern: SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue)
        let inet = socket(AF_INET, datagram, 0)
        if inet >= 0 { return inet }
        let inetErrno = Glibc.errno
        let netlink = socket(AF_NETLINK, datagram, EthtoolIoctl.netlinkGenericProtocol)
        if netlink >= 0 { return netlink }
        throw NetlinkError.system(operation: operation, errno: inetErrno, privilege: "permission to open a socket")
    }

    // MARK: ethtool -S

    /// `ethtool -S IFACE`: every statistic the driver keeps, in the driver's order.
    ///
    /// A driver without statistics (loopback) fails with EOPNOTSUPP, so `isNotSupported` is true.
    public func statistics(interface: String) throws(NetlinkError) -> [(name: String, value: UInt64)] {
        let raw = try rawStatistics(interface: interface)
        let names = EthtoolStatisticNames.decode(raw.nameBlock)
        return zip(names, raw.values).map { (name: $0, value: $1) }
    }

    /// The names of `ethtool -S IFACE` as the kernel hands them over: `count` NUL-padded 32-byte
    /// fields. Kept raw so a caller that polls can tell "same names as last time" with one
    /// comparison instead of decoding them every time.
    func statisticNames(interface: String) throws(NetlinkError) -> [UInt8] {
        // The kernel writes as many names as the driver has *now*, whatever length the request
        // gave, so a driver reconfigured between the count and the names (`ethtool -L`) could
        // write past a buffer sized exactly: leave room, and read again when the count moved.
        for _ in 0..<Self.attempts {
            let count = try statisticsCount(interface: interface)
            let capacity = Self.capacity(for: count)
            var request = [UInt8](
                repeating: 0, count: EthtoolIoctl.Strings.headerSize + capacity * EthtoolIoctl.stringLength)
            request.storeHostInteger(EthtoolIoctl.Command.getStrings.rawValue, at: 0)
            request.storeHostInteger(EthtoolIoctl.statisticsStringSet, at: EthtoolIoctl.Strings.stringSet)
            request.storeHostInteger(UInt32(count), at: EthtoolIoctl.Strings.length)
            try ethtool(.getStrings, interface: interface, buffer: &request)
            let written = Int(request.loadHostInteger(UInt32.self, at: EthtoolIoctl.Strings.length))
            guard written <= capacity else {
                throw Self.outgrew(.getStrings, interface, announced: count, written: written)
            }
            if written == count {
                let start = EthtoolIoctl.Strings.headerSize
                return Array(request[start..<(start + written * EthtoolIoctl.stringLength)])
            }
        }
        throw Self.keptChanging(.getStrings, interface)
    }

    /// The values of `ethtool -S IFACE`, in the order of the names; `expectedCount` is the
    /// number of names just read. Returns nil when the driver now has a different number of
    /// statistics, so the caller reads the names again.
    func statisticValues(interface: String, expectedCount: Int) throws(NetlinkError) -> [UInt64]? {
        let capacity = Self.capacity(for: expectedCount)
        var request = [UInt8](repeating: 0, count: EthtoolIoctl.Statistics.headerSize + capacity * 8)
        request.storeHostInteger(EthtoolIoctl.Command.getStatistics.rawValue, at: 0)
        request.storeHostInteger(UInt32(expectedCount), at: EthtoolIoctl.Statistics.count)
        try ethtool(.getStatistics, interface: interface, buffer: &request)
        let written = Int(request.loadHostInteger(UInt32.self, at: EthtoolIoctl.Statistics.count))
        guard written <= capacity else {
            throw Self.outgrew(.getStatistics, interface, announced: expectedCount, written: written)
        }
        guard written == expectedCount else { return nil }
        let start = EthtoolIoctl.Statistics.headerSize
        return (0..<written).map { request.loadHostInteger(UInt64.self, at: start + $0 * 8) }
    }

    /// Names and values that belong together (read again if the driver changed in between).
    func rawStatistics(interface: String) throws(NetlinkError) -> (nameBlock: [UInt8], values: [UInt64]) {
        for _ in 0..<Self.attempts {
            let nameBlock = try statisticNames(interface: interface)
            let count = nameBlock.count / EthtoolIoctl.stringLength
            if let values = try statisticValues(interface: interface, expectedCount: count) {
                return (nameBlock, values)
            }
        }
        throw Self.keptChanging(.getStatistics, interface)
    }

    /// How many statistics the driver has (`ETH_SS_STATS`): ETHTOOL_GSSET_INFO, or on a kernel
    /// without it, the `n_stats` of ETHTOOL_GDRVINFO. None at all is "not supported", as
    /// `ethtool -S` says "no stats available".
    public func statisticsCount(interface: String) throws(NetlinkError) -> Int {
        var request = [UInt8](repeating: 0, count: EthtoolIoctl.StringSetInfo.headerSize + 4)
        request.storeHostInteger(EthtoolIoctl.Command.getStringSetInfo.rawValue, at: 0)
        let statisticsBit = UInt64(1) << UInt64(EthtoolIoctl.statisticsStringSet)
        request.storeHostInteger(statisticsBit, at: EthtoolIoctl.StringSetInfo.mask)
        let count: Int
        do throws(NetlinkError) {
            try ethtool(.getStringSetInfo, interface: interface, buffer: &request)
            // The kernel clears the bit of every set the driver does not have.
            let mask = request.loadHostInteger(UInt64.self, at: EthtoolIoctl.StringSetInfo.mask)
            count =
                mask & statisticsBit == 0
                ? 0 : Int(request.loadHostInteger(UInt32.self, at: EthtoolIoctl.StringSetInfo.data))
        } catch  where error.isNotSupported {
            count = try driverInfoStatisticsCount(interface: interface)
        }
        let operation = Self.operation(.getStringSetInfo, interface)
        guard count > 0 else {
            throw NetlinkError(
                operation: operation, errno: EOPNOTSUPP,
                message: "the driver keeps no statistics (ethtool -S shows none)")
        }
        guard count <= Self.maximumCount else {
            throw NetlinkError(
                operation: operation, errno: ERANGE,
                message: "the driver claims \(count) statistics, more than cmtune will read")
        }
        return count
    }

    private func driverInfoStatisticsCount(interface: String) throws(NetlinkError) -> Int {
        var request = [UInt8](repeating: 0, count: EthtoolIoctl.DriverInfo.size)
        request.storeHostInteger(EthtoolIoctl.Command.getDriverInfo.rawValue, at: 0)
        try ethtool(.getDriverInfo, interface: interface, buffer: &request)
        return Int(request.loadHostInteger(UInt32.self, at: EthtoolIoctl.DriverInfo.statisticsCount))
    }

    // MARK: Interface names

    /// The name of the interface with this index in the socket's namespace (SIOCGIFNAME), for a
    /// caller that knows only the index: the ethtool ioctl addresses devices by name.
    public func interfaceName(ifindex: Int) throws(NetlinkError) -> String {
        let operation = "SIOCGIFNAME ifindex \(ifindex)"
        guard ifindex > 0, let index32 = Int32(exactly: ifindex) else {
            throw NetlinkError(
                operation: operation, errno: ENODEV, message: "no such interface: \(ifindex) is not an interface index")
        }
        var request = ifreq()
        request.ifr_ifru.ifru_ivalue = index32
        let result = Self.retryingInterrupts { ioctl(descriptor, EthtoolIoctl.interfaceNameRequest, &request) }
        if result < 0 {
            throw NetlinkError.system(operation: operation, errno: Glibc.errno, privilege: "CAP_NET_ADMIN")
        }
        return withUnsafeBytes(of: request.ifr_ifrn.ifrn_name) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    // MARK: The ioctl

    /// One SIOCETHTOOL: `buffer` is the command struct, which the kernel reads and overwrites.
    private func ethtool(
        _ command: EthtoolIoctl.Command, interface: String, buffer: inout [UInt8]
    ) throws(NetlinkError) {
        let operation = Self.operation(command, interface)
        var request = try Self.interfaceRequest(interface, operation: operation)
        let result = buffer.withUnsafeMutableBytes { bytes in
            request.ifr_ifru.ifru_data = bytes.baseAddress?.assumingMemoryBound(to: CChar.self)
            defer { request.ifr_ifru.ifru_data = nil }
            return Self.retryingInterrupts { ioctl(descriptor, EthtoolIoctl.request, &request) }
        }
        if result < 0 {
            throw NetlinkError.system(operation: operation, errno: Glibc.errno, privilege: "CAP_NET_ADMIN")
        }
    }

    /// An `ifreq` naming the device. A name the kernel would truncate (16 bytes or more) or
    /// cut short (an embedded NUL) could address a different device, so it is refused here.
    private static func interfaceRequest(_ interface: String, operation: String) throws(NetlinkError) -> ifreq {
        let name = Array(interface.utf8)
        guard !name.isEmpty, name.count < EthtoolIoctl.interfaceNameSize, !name.contains(0) else {
            throw NetlinkError(
                operation: operation, errno: ENODEV,
                message: "no such interface: \"\(interface)\" is not a valid interface name")
        }
        var request = ifreq()
        withUnsafeMutableBytes(of: &request.ifr_ifrn.ifrn_name) { field in
            field.copyBytes(from: name)
        }
        return request
    }

    /// EINTR retried in one place.
    private static func retryingInterrupts(_ call: () -> Int32) -> Int32 {
        while true {
            let result = call()
            if result >= 0 || Glibc.errno != EINTR { return result }
        }
    }

    // MARK: Sizes and errors

    /// Reads of names and values are each retried this often when the driver's count moves.
    private static let attempts = 3
    /// A sanity bound: the largest drivers (mlx5 with hundreds of channels) stay far below it.
    private static let maximumCount = 1 << 20

    /// Room for the announced count and some growth (see `statisticNames`).
    private static func capacity(for count: Int) -> Int {
        count + count / 4 + 64
    }

    static func operation(_ command: EthtoolIoctl.Command, _ interface: String) -> String {
        "ethtool \(command.name) \(interface)"
    }

    private static func outgrew(
        _ command: EthtoolIoctl.Command, _ interface: String, announced: Int, written: Int
    ) -> NetlinkError {
        NetlinkError(
            operation: operation(command, interface), errno: EOVERFLOW,
            message: "the driver wrote \(written) statistics after announcing \(announced)")
    }

    private static func keptChanging(_ command: EthtoolIoctl.Command, _ interface: String) -> NetlinkError {
        NetlinkError(
            operation: operation(command, interface), errno: EAGAIN,
            message: "the driver's set of statistics kept changing while it was read; try again")
    }
}

extension Array where Element == UInt8 {
    /// Writes a host-order integer at a byte offset; the caller sized the buffer.
    mutating func storeHostInteger<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        precondition(offset >= 0 && offset + MemoryLayout<T>.size <= count, "write past the end of an ethtool buffer")
        withUnsafeMutableBytes { $0.storeBytes(of: value, toByteOffset: offset, as: T.self) }
    }
}
