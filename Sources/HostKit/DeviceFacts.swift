/// What the kernel tells about a network device through netlink rather than sysfs: ethtool's
/// channels, rings, coalescing and RSS, and the netdev family's queue -> NAPI -> IRQ links.
///
/// The types live in HostKit, not in Netlink, because a snapshot stores them as JSON beside the
/// copied /proc and /sys files, so `--root DIR` can show them offline without a socket.

/// One answer to a device query: a value, "the driver does not implement this", or a failure
/// that names the call and carries the kernel's errno and libnl's code.
public enum DeviceQuery<Value: Sendable & Equatable & Codable>: Sendable, Equatable, Codable {
    case value(Value)
    case notSupported
    case failed(DeviceQueryFailure)

    public var value: Value? {
        if case .value(let value) = self { return value }
        return nil
    }
}

/// Why a device query failed, in terms a user can act on.
public struct DeviceQueryFailure: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// The call that failed, e.g. `ethtool CHANNELS_GET eth0`.
    public var call: String
    /// The kernel's errno, when the kernel answered with one.
    public var errno: Int32?
    /// libnl's `NLE_*` code, when the failure came through libnl.
    public var libnlCode: Int32?
    /// One sentence for the user.
    public var message: String

    public init(call: String, errno: Int32? = nil, libnlCode: Int32? = nil, message: String) {
        self.call = call
        self.errno = errno
        self.libnlCode = libnlCode
        self.message = message
    }

    public var description: String { "\(call): \(detail)" }

    /// The message with the codes: `operation not permitted (errno 1, libnl 28)`.
    public var detail: String {
        var codes: [String] = []
        if let errno { codes.append("errno \(errno)") }
        if let libnlCode { codes.append("libnl \(libnlCode)") }
        return codes.isEmpty ? message : "\(message) (\(codes.joined(separator: ", ")))"
    }
}

/// ethtool channels (`ethtool -l`): maximum and current count per kind; nil = not reported.
public struct ChannelCounts: Sendable, Equatable, Codable {
    public var maxRx: UInt32?
    public var maxTx: UInt32?
    public var maxOther: UInt32?
    public var maxCombined: UInt32?
    public var rx: UInt32?
    public var tx: UInt32?
    public var other: UInt32?
    public var combined: UInt32?

    public init(
        maxRx: UInt32? = nil, maxTx: UInt32? = nil, maxOther: UInt32? = nil, maxCombined: UInt32? = nil,
        rx: UInt32? = nil, tx: UInt32? = nil, other: UInt32? = nil, combined: UInt32? = nil
    ) {
        self.maxRx = maxRx
        self.maxTx = maxTx
        self.maxOther = maxOther
        self.maxCombined = maxCombined
        self.rx = rx
        self.tx = tx
        self.other = other
        self.combined = combined
    }
}

/// ethtool rings (`ethtool -g`): descriptor ring sizes; nil = not reported.
public struct RingSizes: Sendable, Equatable, Codable {
    public var maxRx: UInt32?
    public var maxRxMini: UInt32?
    public var maxRxJumbo: UInt32?
    public var maxTx: UInt32?
    public var rx: UInt32?
    public var rxMini: UInt32?
    public var rxJumbo: UInt32?
    public var tx: UInt32?
    public var rxBufferLength: UInt32?
    public var cqeSize: UInt32?

    public init(
        maxRx: UInt32? = nil, maxRxMini: UInt32? = nil, maxRxJumbo: UInt32? = nil, maxTx: UInt32? = nil,
        rx: UInt32? = nil, rxMini: UInt32? = nil, rxJumbo: UInt32? = nil, tx: UInt32? = nil,
        rxBufferLength: UInt32? = nil, cqeSize: UInt32? = nil
    ) {
        self.maxRx = maxRx
        self.maxRxMini = maxRxMini
        self.maxRxJumbo = maxRxJumbo
        self.maxTx = maxTx
        self.rx = rx
        self.rxMini = rxMini
        self.rxJumbo = rxJumbo
        self.tx = tx
        self.rxBufferLength = rxBufferLength
        self.cqeSize = cqeSize
    }
}

/// ethtool coalescing (`ethtool -c`); nil = the driver does not report that parameter.
public struct Coalescing: Sendable, Equatable, Codable {
    public var rxUsecs: UInt32?
    public var rxMaxFrames: UInt32?
    public var rxUsecsIRQ: UInt32?
    public var rxMaxFramesIRQ: UInt32?
    public var txUsecs: UInt32?
    public var txMaxFrames: UInt32?
    public var txUsecsIRQ: UInt32?
    public var txMaxFramesIRQ: UInt32?
    public var statsBlockUsecs: UInt32?
    public var adaptiveRx: Bool?
    public var adaptiveTx: Bool?
    public var packetRateLow: UInt32?
    public var packetRateHigh: UInt32?
    public var sampleIntervalSeconds: UInt32?

    public init() {}
}

/// RSS as ethtool reports it (`ethtool -x`) for the default context.
public struct RSSConfiguration: Sendable, Equatable, Codable {
    /// Hash functions the device has enabled, by ethtool's names (`toeplitz`, `xor`, `crc32`).
    public var hashFunctions: [String]
    /// Indirection table: entry i sends flows whose hash lands on i to this rx queue.
    public var indirectionTable: [UInt32]
    /// The hash key; empty when the driver does not expose it.
    public var hashKey: [UInt8]

    public init(hashFunctions: [String], indirectionTable: [UInt32], hashKey: [UInt8]) {
        self.hashFunctions = hashFunctions
        self.indirectionTable = indirectionTable
        self.hashKey = hashKey
    }
}

/// A queue as the netdev generic-netlink family reports it (QUEUE_GET).
public struct NetdevQueue: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Equatable, Codable { case rx, tx }
    public var kind: Kind
    public var index: Int
    /// The NAPI instance that services the queue; nil when the driver does not link one.
    public var napiID: UInt32?

    public init(kind: Kind, index: Int, napiID: UInt32?) {
        self.kind = kind
        self.index = index
        self.napiID = napiID
    }
}

/// A NAPI instance as the netdev family reports it (NAPI_GET).
public struct NAPIInstance: Sendable, Equatable, Codable {
    public var id: UInt32
    /// The hard IRQ that schedules this NAPI; virtio_net and others leave it out.
    public var irq: Int?
    /// The kernel thread's pid when the NAPI runs threaded.
    public var threadPID: Int?

    public init(id: UInt32, irq: Int?, threadPID: Int?) {
        self.id = id
        self.irq = irq
        self.threadPID = threadPID
    }
}

/// Per-queue packet and byte counters (netdev QSTATS_GET, scope per queue).
public struct QueueStatistics: Sendable, Equatable, Codable {
    public var kind: NetdevQueue.Kind
    public var index: Int
    public var packets: UInt64?
    public var bytes: UInt64?

    public init(kind: NetdevQueue.Kind, index: Int, packets: UInt64?, bytes: UInt64?) {
        self.kind = kind
        self.index = index
        self.packets = packets
        self.bytes = bytes
    }
}

/// Everything netlink says about one interface.
public struct DeviceFacts: Sendable, Equatable, Codable {
    public var interface: String
    public var ifindex: Int
    public var channels: DeviceQuery<ChannelCounts>
    public var rings: DeviceQuery<RingSizes>
    public var coalescing: DeviceQuery<Coalescing>
    public var rss: DeviceQuery<RSSConfiguration>
    public var queues: DeviceQuery<[NetdevQueue]>
    public var napis: DeviceQuery<[NAPIInstance]>

    public init(
        interface: String,
        ifindex: Int,
        channels: DeviceQuery<ChannelCounts> = .notSupported,
        rings: DeviceQuery<RingSizes> = .notSupported,
        coalescing: DeviceQuery<Coalescing> = .notSupported,
        rss: DeviceQuery<RSSConfiguration> = .notSupported,
        queues: DeviceQuery<[NetdevQueue]> = .notSupported,
        napis: DeviceQuery<[NAPIInstance]> = .notSupported
    ) {
        self.interface = interface
        self.ifindex = ifindex
        self.channels = channels
        self.rings = rings
        self.coalescing = coalescing
        self.rss = rss
        self.queues = queues
        self.napis = napis
    }
}

/// Where `DeviceFacts` come from: the live kernel (the Netlink target) or a snapshot's JSON.
public protocol DeviceFactsSource: Sendable {
    func facts(interface: String, ifindex: Int) -> DeviceFacts
}

/// Packet counters per queue of one interface, from the best source the driver offers: the
/// netdev family's per-queue stats (QSTATS_GET), else the driver's `ethtool -S` counters
/// whose names carry a queue number (`rx_queue_3_packets`, `rx3_packets`, `rx-3.packets`).
/// Sampled twice, they give packets per second per queue: the evidence for hash imbalance.
public struct QueuePacketCounters: Sendable, Equatable, Codable {
    public enum Source: String, Sendable, Equatable, Codable {
        case netdevQueueStats = "netdev-qstats"
        case ethtoolStatistics = "ethtool-stats"
    }

    public var source: Source
    /// Received packets by rx queue index.
    public var rx: [Int: UInt64]
    /// Transmitted packets by tx queue index.
    public var tx: [Int: UInt64]

    public init(source: Source, rx: [Int: UInt64], tx: [Int: UInt64]) {
        self.source = source
        self.rx = rx
        self.tx = tx
    }
}

/// Where per-queue packet counters come from on a live host (the Netlink target).
public protocol QueueCountersSource: Sendable {
    func queueCounters(interface: String, ifindex: Int) -> DeviceQuery<QueuePacketCounters>
}
