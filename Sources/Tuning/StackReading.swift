import HostKit

/// One reading of the TCP stack, netfilter and the NICs' receive error counters. Two readings
/// make the counts of a sampling window; one reading makes counts since boot.
public struct StackReading: Sendable, Equatable {
    public var protocolCounters: ProtocolCounters
    public var sockets: SocketStatistics?
    public var limits: TCPLimits
    public var conntrack: ConntrackState?
    public var interfaceErrors: [String: InterfaceErrorCounters]
    /// Driver statistics that count packets dropped for want of a buffer (`ethtool -S`), live only.
    public var driverDrops: [String: [String: UInt64]]
    public var issues: [HostIssue]

    /// Driver statistics (`ethtool -S` names) that count receive drops in the NIC or its ring:
    /// igb/ixgbe/e1000e, mlx5, bnxt, virtio_net (per queue, summed).
    static let driverDropNames: Set<String> = ["rx_no_buffer_count", "rx_out_of_buffer", "rx_discards_phy", "rx_discards", "rx_buf_alloc_errors"]

    public static func read(
        from root: HostRoot, interfaces: [String], driverStatistics: ((String) -> [(name: String, value: UInt64)]?)? = nil
    ) -> StackReading {
        var issues: [HostIssue] = []
        let counters = ProtocolCounters.read(from: root)
        issues += counters.issues
        let sockets = SocketStatistics.read(from: root)
        issues += sockets?.issues ?? []
        let limits = TCPLimits.read(from: root)
        issues += limits.issues
        let conntrack = ConntrackState.read(from: root)
        issues += conntrack?.issues ?? []
        var errors: [String: InterfaceErrorCounters] = [:]
        var drops: [String: [String: UInt64]] = [:]
        for interface in interfaces {
            errors[interface] = InterfaceErrorCounters.read(interface: interface, from: root, issues: &issues)
            guard let statistics = driverStatistics?(interface) else { continue }
            var found: [String: UInt64] = [:]
            for (name, value) in statistics {
                if driverDropNames.contains(name) {
                    found[name, default: 0] &+= value
                } else if name.hasPrefix("rx_queue_"), name.hasSuffix("_drops"), !name.contains("xdp") {
                    found["rx_queue_N_drops", default: 0] &+= value
                }
            }
            if !found.isEmpty { drops[interface] = found }
        }
        return StackReading(
            protocolCounters: counters, sockets: sockets, limits: limits, conntrack: conntrack, interfaceErrors: errors, driverDrops: drops, issues: issues)
    }
}

extension StackEvidence {
    /// The evidence between two readings (`first` nil: since boot), with the CM processes and
    /// the sysctl context found beside them.
    public init(
        from first: StackReading?, to second: StackReading, window: String, managers: [ConnectionManagerProcess] = [], context: SysctlContext = SysctlContext()
    ) {
        self.init(window: window, sampled: first != nil)
        func change(_ old: UInt64?, _ new: UInt64?) -> UInt64? {
            guard let new else { return nil }
            guard first != nil else { return new }
            guard let old else { return nil }
            return new >= old ? new - old : nil
        }
        let before = first?.protocolCounters
        let after = second.protocolCounters
        listenOverflows = change(before?.value("TcpExt", "ListenOverflows"), after.value("TcpExt", "ListenOverflows"))
        listenDrops = change(before?.value("TcpExt", "ListenDrops"), after.value("TcpExt", "ListenDrops"))
        memoryPressures = change(before?.value("TcpExt", "TCPMemoryPressures"), after.value("TcpExt", "TCPMemoryPressures"))
        tcpMemoryPages = second.sockets?.tcpMemoryPages
        if let low = second.limits.memoryLowPages, let pressure = second.limits.memoryPressurePages, let high = second.limits.memoryHighPages {
            tcpMemory = TCPMemoryLimits(low: low, pressure: pressure, high: high)
        }
        orphans = second.sockets?.tcpOrphans
        maxOrphans = second.limits.maxOrphans
        timeWait = second.sockets?.tcpTimeWait
        maxTimeWait = second.limits.maxTimeWaitBuckets
        conntrackCount = second.conntrack?.count
        conntrackMax = second.conntrack?.maximum
        let dropColumns = ["drop", "early_drop", "insert_failed"]
        if let statistics = second.conntrack?.statistics, !statistics.isEmpty {
            var total: UInt64 = 0
            for column in dropColumns {
                total &+= change(first?.conntrack?.statistics[column], statistics[column]) ?? 0
            }
            conntrackDrops = total
        }
        for (interface, now) in second.interfaceErrors {
            let old = first?.interfaceErrors[interface]
            var drops = InterfaceDrops()
            drops.missed = change(old?.rxMissedErrors, now.rxMissedErrors) ?? 0
            drops.fifo = change(old?.rxFifoErrors, now.rxFifoErrors) ?? 0
            drops.overruns = change(old?.rxOverErrors, now.rxOverErrors) ?? 0
            drops.received = change(old?.rxPackets, now.rxPackets)
            for (name, value) in second.driverDrops[interface] ?? [:] {
                drops.driver[name] = change(first?.driverDrops[interface]?[name], value) ?? 0
            }
            // rx_missed_errors in sysfs and in ethtool -S are one counter: count it once.
            drops.driver["rx_missed_errors"] = nil
            if drops.total > 0 { interfaceDrops[interface] = drops }
        }
        connectionManagers = managers
        sysctlContext = context
    }
}
