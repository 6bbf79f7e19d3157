import HostKit
import Synchronization

/// `DeviceFacts` from the running kernel over netlink.
///
/// The two sockets (one per family) are opened on first use and kept, because a tool that lists
/// every interface would otherwise open and resolve twice per interface; a failure to open or
/// resolve is kept too and reported in every field it affects. Nothing throws out of `facts`:
/// each field says on its own whether it has a value, is not supported, or failed and why, so one
/// driver's gap never hides the rest.
public final class LiveDeviceFacts: DeviceFactsSource {
    private struct Clients {
        var ethtool: Result<EthtoolClient, NetlinkError>?
        var netdev: Result<NetdevClient, NetlinkError>?
    }

    /// libnl sockets are not thread-safe; the lock serialises every request.
    private let clients = Mutex(Clients())
    /// The named network namespace to query (`/run/netns/NAME`), or nil for this process's own.
    public let networkNamespace: String?

    public init(networkNamespace: String? = nil) {
        self.networkNamespace = networkNamespace
    }

    public func facts(interface: String, ifindex: Int) -> DeviceFacts {
        let device = NetlinkDevice(name: interface.isEmpty ? nil : interface, index: ifindex > 0 ? ifindex : nil)
        let namespace = networkNamespace
        return clients.withLock { clients in
            if clients.ethtool == nil {
                clients.ethtool = Result { () throws(NetlinkError) in try EthtoolClient(networkNamespace: namespace) }
            }
            if clients.netdev == nil {
                clients.netdev = Result { () throws(NetlinkError) in try NetdevClient(networkNamespace: namespace) }
            }
            let ethtool = clients.ethtool!
            let netdev = clients.netdev!
            let name = device.name
            func ethtoolQuery<Value>(
                _ command: EthtoolNetlink.Command, _ body: (EthtoolClient) throws(NetlinkError) -> Value
            ) -> DeviceQuery<Value> {
                query(ethtool, EthtoolClient.operation(command, device), body)
            }
            func netdevQuery<Value>(
                _ command: NetdevNetlink.Command, _ body: (NetdevClient) throws(NetlinkError) -> Value
            ) -> DeviceQuery<Value> {
                query(netdev, NetdevClient.operation(command, ifindex: ifindex, name: name), body)
            }
            return DeviceFacts(
                interface: interface,
                ifindex: ifindex,
                channels: ethtoolQuery(.channelsGet) { client throws(NetlinkError) in try client.channels(of: device) },
                rings: ethtoolQuery(.ringsGet) { client throws(NetlinkError) in try client.rings(of: device) },
                coalescing: ethtoolQuery(.coalesceGet) { client throws(NetlinkError) in
                    try client.coalescing(of: device)
                },
                rss: ethtoolQuery(.rssGet) { client throws(NetlinkError) in try client.rss(of: device) },
                queues: netdevQuery(.queueGet) { client throws(NetlinkError) in
                    try client.queues(ifindex: ifindex, name: name)
                },
                napis: netdevQuery(.napiGet) { client throws(NetlinkError) in
                    try client.napiInstances(ifindex: ifindex, name: name)
                })
        }
    }
}

/// One field of `DeviceFacts`: run the request if the client opened, and sort the outcome into
/// value / not supported / failed. A client that could not open fails the field under the
/// field's own call name, so the user sees which query was lost, and why.
private func query<Client, Value>(
    _ client: Result<Client, NetlinkError>, _ call: String, _ body: (Client) throws(NetlinkError) -> Value
) -> DeviceQuery<Value> {
    do {
        return .value(try body(client.get()))
    } catch {
        if error.isNotSupported { return .notSupported }
        return .failed(error.deviceQueryFailure(call: call))
    }
}

extension NetlinkError {
    /// The user-facing form stored in `DeviceFacts`: the call as the user would name it, the
    /// errno and libnl code, and the sentence.
    public func deviceQueryFailure(call: String? = nil) -> DeviceQueryFailure {
        let call = call ?? operation
        // When the failing step was not the query itself (opening the socket, entering the
        // namespace), say which step, so the sentence is not misread as the device's answer.
        let message = operation == call ? self.message : "\(operation): \(self.message)"
        return DeviceQueryFailure(call: call, errno: errno, libnlCode: code?.rawValue, message: message)
    }
}
