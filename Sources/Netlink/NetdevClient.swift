internal import Glibc
import HostKit

/// A client of the kernel's "netdev" generic-netlink family: which NAPI instance serves each
/// queue, which IRQ and thread drive each NAPI, and per-queue packet counts.
///
/// This is the reliable queue -> IRQ link where a driver provides it; the name-based
/// /proc/interrupts fallback is HostKit's. Every call is a dump filtered by ifindex, because the
/// kernel offers these commands for whole devices.
public final class NetdevClient {
    private let socket: GenericNetlinkSocket
    public let family: GenericNetlinkFamily

    /// Resolves the family on `socket`. A kernel older than 6.2 has no "netdev" family: the
    /// error then has `missingFamily` set and `isNotSupported` true.
    public init(socket: GenericNetlinkSocket) throws(NetlinkError) {
        self.socket = socket
        self.family = try socket.resolveFamily(NetdevNetlink.familyName)
    }

    /// Opens a socket of its own, inside `/run/netns/NAME` when a namespace is named.
    public convenience init(networkNamespace: String? = nil) throws(NetlinkError) {
        try self.init(socket: GenericNetlinkSocket(networkNamespace: networkNamespace))
    }

    /// QUEUE_GET: the device's active queues, rx then tx as the kernel lists them. A device that
    /// is down has none (the kernel lists queues of running devices only).
    public func queues(ifindex: Int, name: String? = nil) throws(NetlinkError) -> [NetdevQueue] {
        typealias A = NetdevNetlink.Queue
        let replies = try dump(.queueGet, ifindex: ifindex, name: name, filter: A.ifindex)
        return replies.compactMap { reply in
            guard let id = reply.u32(A.id), let kind = Self.kind(reply.u32(A.type)) else { return nil }
            return NetdevQueue(kind: kind, index: Int(id), napiID: reply.u32(A.napiID))
        }
    }

    /// NAPI_GET: the device's NAPI instances with their IRQ and, when threaded, thread pid.
    public func napiInstances(ifindex: Int, name: String? = nil) throws(NetlinkError) -> [NAPIInstance] {
        typealias A = NetdevNetlink.NAPI
        let replies = try dump(.napiGet, ifindex: ifindex, name: name, filter: A.ifindex)
        return replies.compactMap { reply in
            guard let id = reply.u32(A.id) else { return nil }
            return NAPIInstance(
                id: id, irq: reply.u32(A.irq).map { Int($0) }, threadPID: reply.u32(A.pid).map { Int($0) })
        }
    }

    /// QSTATS_GET with per-queue scope: packet and byte counters without parsing `ethtool -S`,
    /// whose names differ per driver. A driver without queue statistics yields an empty list.
    public func queueStatistics(ifindex: Int, name: String? = nil) throws(NetlinkError) -> [QueueStatistics] {
        typealias A = NetdevNetlink.QueueStatistics
        let replies = try dump(
            .qstatsGet, ifindex: ifindex, name: name, filter: A.ifindex,
            extra: [.u32(A.scope, A.scopeQueue)])
        return replies.compactMap { reply in
            guard let id = reply.u32(A.queueID), let kind = Self.kind(reply.u32(A.queueType)) else { return nil }
            switch kind {
            case .rx:
                return QueueStatistics(
                    kind: kind, index: Int(id), packets: reply.uint(A.rxPackets), bytes: reply.uint(A.rxBytes))
            case .tx:
                return QueueStatistics(
                    kind: kind, index: Int(id), packets: reply.uint(A.txPackets), bytes: reply.uint(A.txBytes))
            }
        }
    }

    private static func kind(_ value: UInt32?) -> NetdevQueue.Kind? {
        switch value {
        case NetdevNetlink.QueueType.rx: .rx
        case NetdevNetlink.QueueType.tx: .tx
        default: nil
        }
    }

    private func dump(
        _ command: NetdevNetlink.Command, ifindex: Int, name: String?, filter: UInt16,
        extra: [NetlinkAttribute] = []
    ) throws(NetlinkError) -> [NetlinkAttributes] {
        let operation = Self.operation(command, ifindex: ifindex, name: name)
        guard ifindex > 0, let index32 = UInt32(exactly: ifindex) else {
            throw NetlinkError(
                operation: operation, errno: ENODEV,
                message: "no such interface: the netdev family needs a valid interface index, not \(ifindex)")
        }
        let replies = try socket.request(
            family: family, command: command.rawValue, version: NetdevNetlink.version, dump: true,
            attributes: [.u32(filter, index32)] + extra, operation: operation)
        return replies.map(\.attributes)
    }

    static func operation(_ command: NetdevNetlink.Command, ifindex: Int, name: String?) -> String {
        "netdev \(command.name) \(name ?? "ifindex \(ifindex)")"
    }
}

@available(*, unavailable, message: "uses a libnl socket, which is not thread-safe")
extension NetdevClient: Sendable {}
