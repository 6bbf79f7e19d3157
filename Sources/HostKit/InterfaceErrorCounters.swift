/// The receive-loss counters of /sys/class/net/IFACE/statistics/ (the kernel's
/// rtnl_link_stats64): where a NIC or its driver drops packets before the stack sees them,
/// which is what a saturated single receive CPU looks like from the wire.
///
/// Drivers fill different subsets (virtio has no FIFO, many leave `rx_missed_errors` at 0), so
/// each is nil when its file is absent rather than 0.
public struct InterfaceErrorCounters: Sendable, Equatable {
    /// Packets dropped by the stack after the driver received them (no buffer, backlog full,
    /// unknown protocol on some drivers).
    public var rxDropped: UInt64?
    /// Packets the NIC could not store because the host did not refill its ring in time: the
    /// classic sign of a receive CPU that cannot keep up.
    public var rxMissedErrors: UInt64?
    public var rxFifoErrors: UInt64?
    public var rxOverErrors: UInt64?
    public var rxPackets: UInt64?

    public init(
        rxDropped: UInt64? = nil, rxMissedErrors: UInt64? = nil, rxFifoErrors: UInt64? = nil, rxOverErrors: UInt64? = nil, rxPackets: UInt64? = nil
    ) {
        self.rxDropped = rxDropped
        self.rxMissedErrors = rxMissedErrors
        self.rxFifoErrors = rxFifoErrors
        self.rxOverErrors = rxOverErrors
        self.rxPackets = rxPackets
    }

    /// Reads the counters of `interface`. A name that could leave the directory (`..`, `/`) or
    /// an interface without a statistics directory is one issue; a malformed file is an issue
    /// and its counter nil.
    public static func read(interface: String, from root: HostRoot, issues: inout [HostIssue]) -> InterfaceErrorCounters {
        var counters = InterfaceErrorCounters()
        guard !interface.isEmpty, interface != ".", interface != "..", !interface.contains("/"), !interface.utf8.contains(0) else {
            issues.append(HostIssue(path: root.absolute("sys/class/net"), message: "\(ProcText.quoted(interface)) is not an interface name"))
            return counters
        }
        let directory = "sys/class/net/\(interface)/statistics"
        guard root.exists(directory) else {
            issues.append(HostIssue(path: root.absolute(directory), message: "missing: receive drop counters of \(ProcText.quoted(interface)) unknown"))
            return counters
        }
        counters.rxDropped = ProcText.singleUnsigned("\(directory)/rx_dropped", from: root, issues: &issues)
        counters.rxMissedErrors = ProcText.singleUnsigned("\(directory)/rx_missed_errors", from: root, issues: &issues)
        counters.rxFifoErrors = ProcText.singleUnsigned("\(directory)/rx_fifo_errors", from: root, issues: &issues)
        counters.rxOverErrors = ProcText.singleUnsigned("\(directory)/rx_over_errors", from: root, issues: &issues)
        counters.rxPackets = ProcText.singleUnsigned("\(directory)/rx_packets", from: root, issues: &issues)
        return counters
    }
}
