import HostKit

/// A client of the kernel's "ethtool" generic-netlink family: the same data `ethtool -l/-g/-c/-x`
/// shows, read without running ethtool, and the channel change `cmtune spread` makes.
///
/// Attributes the kernel leaves out become nil: ethtool omits a value the driver does not
/// report (a zero maximum, an unsupported coalescing parameter), which `ethtool` prints as n/a.
public final class EthtoolClient {
    private let socket: GenericNetlinkSocket
    public let family: GenericNetlinkFamily

    /// Resolves the family on `socket`, which the client then uses for every request.
    public init(socket: GenericNetlinkSocket) throws(NetlinkError) {
        self.socket = socket
        self.family = try socket.resolveFamily(EthtoolNetlink.familyName)
    }

    /// Opens a socket of its own, inside `/run/netns/NAME` when a namespace is named.
    public convenience init(networkNamespace: String? = nil) throws(NetlinkError) {
        try self.init(socket: GenericNetlinkSocket(networkNamespace: networkNamespace))
    }

    /// `ethtool -l`.
    public func channels(of device: NetlinkDevice) throws(NetlinkError) -> ChannelCounts {
        typealias A = EthtoolNetlink.Channels
        let reply = try get(.channelsGet, device)
        return ChannelCounts(
            maxRx: reply.u32(A.rxMax), maxTx: reply.u32(A.txMax), maxOther: reply.u32(A.otherMax),
            maxCombined: reply.u32(A.combinedMax), rx: reply.u32(A.rxCount), tx: reply.u32(A.txCount),
            other: reply.u32(A.otherCount), combined: reply.u32(A.combinedCount))
    }

    /// `ethtool -g`.
    public func rings(of device: NetlinkDevice) throws(NetlinkError) -> RingSizes {
        typealias A = EthtoolNetlink.Rings
        let reply = try get(.ringsGet, device)
        return RingSizes(
            maxRx: reply.u32(A.rxMax), maxRxMini: reply.u32(A.rxMiniMax), maxRxJumbo: reply.u32(A.rxJumboMax),
            maxTx: reply.u32(A.txMax), rx: reply.u32(A.rx), rxMini: reply.u32(A.rxMini),
            rxJumbo: reply.u32(A.rxJumbo), tx: reply.u32(A.tx), rxBufferLength: reply.u32(A.rxBufferLength),
            cqeSize: reply.u32(A.cqeSize))
    }

    /// `ethtool -c`.
    public func coalescing(of device: NetlinkDevice) throws(NetlinkError) -> Coalescing {
        typealias A = EthtoolNetlink.Coalesce
        let reply = try get(.coalesceGet, device)
        var coalescing = Coalescing()
        coalescing.rxUsecs = reply.u32(A.rxUsecs)
        coalescing.rxMaxFrames = reply.u32(A.rxMaxFrames)
        coalescing.rxUsecsIRQ = reply.u32(A.rxUsecsIRQ)
        coalescing.rxMaxFramesIRQ = reply.u32(A.rxMaxFramesIRQ)
        coalescing.txUsecs = reply.u32(A.txUsecs)
        coalescing.txMaxFrames = reply.u32(A.txMaxFrames)
        coalescing.txUsecsIRQ = reply.u32(A.txUsecsIRQ)
        coalescing.txMaxFramesIRQ = reply.u32(A.txMaxFramesIRQ)
        coalescing.statsBlockUsecs = reply.u32(A.statsBlockUsecs)
        coalescing.adaptiveRx = reply.u8(A.useAdaptiveRx).map { $0 != 0 }
        coalescing.adaptiveTx = reply.u8(A.useAdaptiveTx).map { $0 != 0 }
        coalescing.packetRateLow = reply.u32(A.packetRateLow)
        coalescing.packetRateHigh = reply.u32(A.packetRateHigh)
        coalescing.sampleIntervalSeconds = reply.u32(A.rateSampleInterval)
        return coalescing
    }

    /// `ethtool -x` for the default RSS context.
    public func rss(of device: NetlinkDevice) throws(NetlinkError) -> RSSConfiguration {
        typealias A = EthtoolNetlink.RSS
        let reply = try get(.rssGet, device)
        return RSSConfiguration(
            hashFunctions: Self.hashFunctionNames(reply.u32(A.hashFunction) ?? 0),
            indirectionTable: reply.u32Array(A.indirection) ?? [], hashKey: reply.payload(A.hashKey) ?? [])
    }

    /// ethtool's names for the bits of ETHTOOL_A_RSS_HFUNC; a bit newer than this code keeps a
    /// visible placeholder rather than vanishing.
    static func hashFunctionNames(_ mask: UInt32) -> [String] {
        let names = EthtoolNetlink.RSS.hashFunctionNames
        return (0..<32).filter { mask & (1 << UInt32($0)) != 0 }.map { bit in
            bit < names.count ? names[bit] : "unknown-bit-\(bit)"
        }
    }

    /// `ethtool -L`: sets the channel counts that are given and leaves the others alone.
    /// Needs CAP_NET_ADMIN; the kernel rejects counts above the maximums with EINVAL and says
    /// which in its extended ack.
    public func setChannels(
        of device: NetlinkDevice, rx: UInt32? = nil, tx: UInt32? = nil, other: UInt32? = nil,
        combined: UInt32? = nil
    ) throws(NetlinkError) {
        typealias A = EthtoolNetlink.Channels
        let command = EthtoolNetlink.Command.channelsSet
        let operation = Self.operation(command, device)
        var attributes = [NetlinkAttribute.nested(A.header, try device.ethtoolHeader(operation: operation))]
        let counts: [(UInt16, UInt32?)] = [
            (A.rxCount, rx), (A.txCount, tx), (A.otherCount, other), (A.combinedCount, combined),
        ]
        for case (let type, let value?) in counts {
            attributes.append(.u32(type, value))
        }
        _ = try socket.request(
            family: family, command: command.rawValue, version: EthtoolNetlink.version,
            attributes: attributes, operation: operation)
    }

    /// One GET: a request carrying only the header nest, answered by exactly one reply.
    private func get(_ command: EthtoolNetlink.Command, _ device: NetlinkDevice) throws(NetlinkError)
        -> NetlinkAttributes
    {
        let operation = Self.operation(command, device)
        // Every ETHTOOL_A_*_HEADER is attribute 1.
        let header = NetlinkAttribute.nested(1, try device.ethtoolHeader(operation: operation))
        let replies = try socket.request(
            family: family, command: command.rawValue, version: EthtoolNetlink.version,
            attributes: [header], operation: operation)
        guard let reply = replies.first else {
            throw NetlinkError(operation: operation, message: "the kernel acknowledged the request but sent no data")
        }
        return reply.attributes
    }

    static func operation(_ command: EthtoolNetlink.Command, _ device: NetlinkDevice) -> String {
        "ethtool \(command.name) \(device)"
    }
}

@available(*, unavailable, message: "uses a libnl socket, which is not thread-safe")
extension EthtoolClient: Sendable {}
