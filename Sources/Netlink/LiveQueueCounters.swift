internal import Glibc
import HostKit
import Synchronization

/// Packets per queue from the running kernel, for `cmtune top` and `cmtune diagnose`, which ask
/// once a second per interface.
///
/// The netdev family's per-queue QSTATS_GET comes first: one request, the same meaning on every
/// driver. When the kernel or driver does not answer it (or answers with no queues), the
/// driver's `ethtool -S` counters are read through the ethtool ioctl and their names matched
/// against the known per-driver schemes (`EthtoolQueueStatistics`). Neither: `.notSupported`.
///
/// Polling has to be cheap: the netlink socket (with its family resolved) and the ioctl socket
/// are opened on first use and kept, and the name -> queue layout of each interface's ethtool
/// statistics is worked out once and reused for as long as the driver's names stay the same.
public final class LiveQueueCounters: QueueCountersSource {
    private struct State {
        var netdev: Result<NetdevClient, NetlinkError>?
        var ethtool: Result<EthtoolIoctlClient, NetlinkError>?
        /// Per interface name: the raw names last read and what they mean.
        var layouts: [String: (nameBlock: [UInt8], layout: EthtoolQueueCounterLayout?)] = [:]
    }

    /// libnl sockets are not thread-safe, and the layout cache is shared: one lock for both.
    private let state = Mutex(State())
    /// The named network namespace to query (`/run/netns/NAME`), or nil for this process's own.
    public let networkNamespace: String?

    /// Interfaces whose layouts are remembered before the cache starts over (interfaces come
    /// and go on container hosts; the cache must not grow with them).
    private static let cachedInterfaces = 1024

    public init(networkNamespace: String? = nil) {
        self.networkNamespace = networkNamespace
    }

    public func queueCounters(interface: String, ifindex: Int) -> DeviceQuery<QueuePacketCounters> {
        let namespace = networkNamespace
        return state.withLock { state in
            if ifindex > 0 {
                switch Self.netdevCounters(&state, namespace, interface: interface, ifindex: ifindex) {
                case .value(let counters): return .value(counters)
                case .failed(let failure): return .failed(failure)
                case .notSupported: break
                }
            }
            return Self.ethtoolCounters(&state, namespace, interface: interface, ifindex: ifindex)
        }
    }

    /// QSTATS_GET, per queue. Only rx/tx packets are kept; a reply without any (a driver with
    /// queue stats of other kinds only, or none) is "not supported" so that ethtool gets a turn.
    private static func netdevCounters(
        _ state: inout State, _ namespace: String?, interface: String, ifindex: Int
    ) -> DeviceQuery<QueuePacketCounters> {
        let name = interface.isEmpty ? nil : interface
        let call = NetdevClient.operation(.qstatsGet, ifindex: ifindex, name: name)
        if state.netdev == nil {
            state.netdev = Result { () throws(NetlinkError) in try NetdevClient(networkNamespace: namespace) }
        }
        do {
            let statistics = try state.netdev!.get().queueStatistics(ifindex: ifindex, name: name)
            var rx: [Int: UInt64] = [:]
            var tx: [Int: UInt64] = [:]
            for queue in statistics {
                guard let packets = queue.packets else { continue }
                switch queue.kind {
                case .rx: rx[queue.index] = packets
                case .tx: tx[queue.index] = packets
                }
            }
            if rx.isEmpty && tx.isEmpty { return .notSupported }
            return .value(QueuePacketCounters(source: .netdevQueueStats, rx: rx, tx: tx))
        } catch {
            if error.isNotSupported { return .notSupported }
            return .failed(error.deviceQueryFailure(call: call))
        }
    }

    /// `ethtool -S` through the ioctl: names (compared with last time's), then values.
    private static func ethtoolCounters(
        _ state: inout State, _ namespace: String?, interface: String, ifindex: Int
    ) -> DeviceQuery<QueuePacketCounters> {
        if state.ethtool == nil {
            state.ethtool = Result { () throws(NetlinkError) in try EthtoolIoctlClient(networkNamespace: namespace) }
        }
        let client: EthtoolIoctlClient
        switch state.ethtool! {
        case .success(let opened):
            client = opened
        case .failure(let error):
            // The socket (or the namespace) failed, not the query: name the query it cost.
            let device = interface.isEmpty ? "ifindex \(ifindex)" : interface
            return .failed(error.deviceQueryFailure(call: EthtoolIoctlClient.operation(.getStringSetInfo, device)))
        }
        do throws(NetlinkError) {
            let name = interface.isEmpty ? try client.interfaceName(ifindex: ifindex) : interface
            // Names and values are separate requests; if the driver's count moves in between
            // (channels changed), read both again.
            for _ in 0..<2 {
                let nameBlock = try client.statisticNames(interface: name)
                let layout: EthtoolQueueCounterLayout?
                if let cached = state.layouts[name], cached.nameBlock == nameBlock {
                    layout = cached.layout
                } else {
                    layout = EthtoolQueueCounterLayout(names: EthtoolStatisticNames.decode(nameBlock))
                    if state.layouts.count >= cachedInterfaces { state.layouts.removeAll() }
                    state.layouts[name] = (nameBlock, layout)
                }
                guard let layout else { return .notSupported }
                let count = nameBlock.count / EthtoolIoctl.stringLength
                if let values = try client.statisticValues(interface: name, expectedCount: count) {
                    return .value(layout.counters(values: values))
                }
            }
            throw NetlinkError(
                operation: EthtoolIoctlClient.operation(.getStatistics, name), errno: EAGAIN,
                message: "the driver's set of statistics kept changing while it was read; try again")
        } catch {
            // Every error here comes from one ioctl, and names it.
            if error.isNotSupported { return .notSupported }
            return .failed(error.deviceQueryFailure())
        }
    }
}
