import HostKit

/// What else a CM host dies of, read from the TCP stack, netfilter, the NICs' error counters
/// and the CM processes, as plain numbers: the rules over them are pure and testable, and the
/// command fills them from two readings (sampled) or one (since boot).
public struct StackEvidence: Sendable, Equatable {
    /// `over 5 s` or `since boot`.
    public var window: String
    /// True when counts are the change over a sampling window, false when they are since boot.
    public var sampled: Bool

    /// TcpExt ListenOverflows and ListenDrops: connections refused because an accept queue was full.
    public var listenOverflows: UInt64?
    public var listenDrops: UInt64?
    /// TcpExt TCPMemoryPressures: times TCP entered memory pressure.
    public var memoryPressures: UInt64?

    /// sockstat now, against the limits.
    public var tcpMemoryPages: Int?
    public var tcpMemory: TCPMemoryLimits?
    public var orphans: Int?
    public var maxOrphans: Int?
    public var timeWait: Int?
    public var maxTimeWait: Int?

    /// nf_conntrack now, and the packets it dropped (drop + early_drop + insert_failed).
    public var conntrackCount: Int?
    public var conntrackMax: Int?
    public var conntrackDrops: UInt64?

    /// Receive errors per interface over the window.
    public var interfaceDrops: [String: InterfaceDrops]
    /// Connection managers found running, with their descriptor limit.
    public var connectionManagers: [ConnectionManagerProcess]
    /// What the sysctl advice needs beyond the values: listening ports, the CM's limits.
    public var sysctlContext: SysctlContext

    public struct InterfaceDrops: Sendable, Equatable {
        /// The NIC had no room for the packet: missed (no descriptor), fifo overrun, ring overrun.
        public var missed: UInt64
        public var fifo: UInt64
        public var overruns: UInt64
        /// Driver counters for "no buffer" (`rx_no_buffer_count`, `rx_out_of_buffer`...), by name.
        public var driver: [String: UInt64]
        public var received: UInt64?

        public init(missed: UInt64 = 0, fifo: UInt64 = 0, overruns: UInt64 = 0, driver: [String: UInt64] = [:], received: UInt64? = nil) {
            self.missed = missed
            self.fifo = fifo
            self.overruns = overruns
            self.driver = driver
            self.received = received
        }

        public var total: UInt64 { missed &+ fifo &+ overruns &+ driver.values.reduce(0, &+) }
    }

    public struct ConnectionManagerProcess: Sendable, Equatable {
        public var pid: Int
        public var name: String
        /// The soft open-files limit; nil = unlimited.
        public var openFilesSoft: UInt64?
        public var openDescriptors: Int?
        /// The connections it is meant to hold (its --max-connections, or diagnose's --connections).
        public var connectionTarget: Int

        public init(pid: Int, name: String, openFilesSoft: UInt64?, openDescriptors: Int?, connectionTarget: Int) {
            self.pid = pid
            self.name = name
            self.openFilesSoft = openFilesSoft
            self.openDescriptors = openDescriptors
            self.connectionTarget = connectionTarget
        }
    }

    public init(window: String, sampled: Bool) {
        self.window = window
        self.sampled = sampled
        interfaceDrops = [:]
        connectionManagers = []
        sysctlContext = SysctlContext()
    }
}

/// `net.ipv4.tcp_mem`, in pages: below `low` no limit, from `pressure` buffers shrink, at `high`
/// allocations fail.
public struct TCPMemoryLimits: Sendable, Equatable {
    public var low: Int
    public var pressure: Int
    public var high: Int

    public init(low: Int, pressure: Int, high: Int) {
        self.low = low
        self.pressure = pressure
        self.high = high
    }
}

/// What makes sysctl advice safe on this host rather than generic.
public struct SysctlContext: Sendable, Equatable {
    /// TCP ports something listens on (or the user named): they must be reserved when the
    /// ephemeral range covers them, or an outgoing connection can take one before the CM binds it.
    public var listeningPorts: [Int]
    /// `net.ipv4.ip_local_reserved_ports` as found (empty list when unset).
    public var reservedPorts: [ClosedRange<Int>]?
    /// The open-files limits a CM will really get: its unit's LimitNOFILE, the running process's.
    public var openFileLimits: [OpenFileLimit]
    /// The connections one CM process should hold.
    public var connectionTarget: Int

    public struct OpenFileLimit: Sendable, Equatable {
        /// `unit cm.service` or `process 4242 (cmtune)`.
        public var source: String
        /// nil = unlimited / infinity; for a unit without LimitNOFILE, systemd's default.
        public var soft: UInt64?

        public init(source: String, soft: UInt64?) {
            self.source = source
            self.soft = soft
        }
    }

    public init(listeningPorts: [Int] = [], reservedPorts: [ClosedRange<Int>]? = nil, openFileLimits: [OpenFileLimit] = [], connectionTarget: Int = 1_000_000) {
        self.listeningPorts = listeningPorts
        self.reservedPorts = reservedPorts
        self.openFileLimits = openFileLimits
        self.connectionTarget = connectionTarget
    }

    /// Listening ports the range `low...high` would hand out, not reserved.
    public func unreservedPorts(inRange low: Int, _ high: Int) -> [Int] {
        listeningPorts.filter { port in port >= low && port <= high && !(reservedPorts ?? []).contains { $0.contains(port) } }
    }

    /// Parses `ip_local_reserved_ports` text: `7000,7001,9000-9010` (empty: none).
    public static func portRanges(_ text: String) -> [ClosedRange<Int>]? {
        var ranges: [ClosedRange<Int>] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-").map { Int(String($0).trimmingCharacters()) }
            switch bounds.count {
            case 1:
                guard let port = bounds[0] else { return nil }
                ranges.append(port...port)
            case 2:
                guard let low = bounds[0], let high = bounds[1], low <= high else { return nil }
                ranges.append(low...high)
            default: return nil
            }
        }
        return ranges
    }

    /// Ports as the sysctl takes them, runs folded: `7000-7002,9100`.
    public static func portList(_ ports: [Int]) -> String {
        var parts: [String] = []
        var sorted = Array(Set(ports)).sorted()[...]
        while let first = sorted.popFirst() {
            var last = first
            while sorted.first == last + 1 {
                sorted.removeFirst()
                last += 1
            }
            parts.append(first == last ? String(first) : "\(first)-\(last)")
        }
        return parts.joined(separator: ",")
    }
}
