/// Every counter the sampler reads, at one instant: CPU time, softirqs, hard IRQs, the
/// softnet backlog and per-queue packets. Two samples make rates (`CounterRates`).
public struct CounterSample: Sendable, Equatable {
    /// Seconds on the monotonic clock when the sample was taken.
    public var time: Double
    /// Online CPUs at that moment, read beside softnet_stat (whose rows follow them).
    public var online: CPUSet
    public var cpuTimes: CPUTimes?
    public var softirqs: SoftIRQCounters?
    public var interrupts: InterruptTable?
    public var softnet: SoftnetStat?
    /// Per-queue packet counters by interface, where a source answered.
    public var queues: [String: QueuePacketCounters]
    /// Packets received and sent per interface (sysfs `statistics/rx_packets`, `tx_packets`).
    public var interfaces: [String: InterfacePackets]
    /// What could not be read; the rest of the sample is still good.
    public var issues: [HostIssue]

    public init(
        time: Double, online: CPUSet, cpuTimes: CPUTimes? = nil, softirqs: SoftIRQCounters? = nil, interrupts: InterruptTable? = nil,
        softnet: SoftnetStat? = nil, queues: [String: QueuePacketCounters] = [:], interfaces: [String: InterfacePackets] = [:],
        issues: [HostIssue] = []
    ) {
        self.time = time
        self.online = online
        self.cpuTimes = cpuTimes
        self.softirqs = softirqs
        self.interrupts = interrupts
        self.softnet = softnet
        self.queues = queues
        self.interfaces = interfaces
        self.issues = issues
    }

    public struct InterfacePackets: Sendable, Equatable {
        public var rx: UInt64
        public var tx: UInt64

        public init(rx: UInt64, tx: UInt64) {
            self.rx = rx
            self.tx = tx
        }
    }

    /// The interfaces whose queue counters to read, by name and ifindex.
    public struct QueueRequest: Sendable {
        public var interface: String
        public var ifindex: Int

        public init(interface: String, ifindex: Int) {
            self.interface = interface
            self.ifindex = ifindex
        }
    }

    /// Reads a sample under `root`. A missing file leaves its part nil with one issue saying
    /// what can no longer be judged; nothing throws.
    public static func read(
        from root: HostRoot, queueSource: (any QueueCountersSource)? = nil, queueRequests: [QueueRequest] = [], time: Double? = nil
    ) -> CounterSample {
        var issues: [HostIssue] = []
        // The whole file as read, its final newline included: the parsers tell a last line
        // that was cut from a whole one by it.
        func text(_ path: String, consequence: String) -> String? {
            do {
                return String(decoding: try root.readBytes(path), as: UTF8.self)
            } catch  where error.isMissing {
                issues.append(HostIssue(path: root.absolute(path), message: "missing: \(consequence)"))
            } catch {
                issues.append(HostIssue(path: error.path, message: "\(error.reason); \(consequence)"))
            }
            return nil
        }
        let stamp = time ?? MonotonicClock.now()
        let cpuText = text("proc/stat", consequence: "CPU utilisation unknown")
        let softirqText = text("proc/softirqs", consequence: "softirq rates unknown")
        let onlineText = try? root.readIfPresent("sys/devices/system/cpu/online")
        let softnetText = text("proc/net/softnet_stat", consequence: "backlog drops and squeezes unknown")
        var interrupts: InterruptTable?
        do {
            interrupts = try InterruptTable.read(from: root)
        } catch {
            issues.append(HostIssue(path: error.path, message: "\(error.reason); hard IRQ rates unknown"))
        }

        var sample = CounterSample(time: stamp, online: [])
        sample.cpuTimes = cpuText.map { CPUTimes(parsing: $0, path: root.absolute("proc/stat")) }
        sample.softirqs = softirqText.map { SoftIRQCounters(parsing: $0, path: root.absolute("proc/softirqs")) }
        sample.interrupts = interrupts
        if let onlineText, let online = try? CPUSet(parsingList: onlineText) {
            sample.online = online
        } else if let cpus = sample.cpuTimes?.cpus.keys, !cpus.isEmpty {
            sample.online = CPUSet(cpus)
        } else if let columns = interrupts?.cpus {
            sample.online = CPUSet(columns)
        }
        sample.softnet = softnetText.map { SoftnetStat(parsing: $0, online: sample.online, path: root.absolute("proc/net/softnet_stat")) }
        for part in [sample.cpuTimes?.issues, sample.softirqs?.issues, interrupts?.issues, sample.softnet?.issues] {
            issues.append(contentsOf: part ?? [])
        }
        let reader = SysfsReader(root: root)
        for request in queueRequests {
            let statistics = "sys/class/net/\(request.interface)/statistics"
            if let rx = reader.counter("\(statistics)/rx_packets", issues: &issues),
                let tx = reader.counter("\(statistics)/tx_packets", issues: &issues)
            {
                sample.interfaces[request.interface] = InterfacePackets(rx: rx, tx: tx)
            }
        }
        if let queueSource {
            for request in queueRequests {
                switch queueSource.queueCounters(interface: request.interface, ifindex: request.ifindex) {
                case .value(let counters): sample.queues[request.interface] = counters
                case .notSupported: break
                case .failed(let failure): issues.append(HostIssue(path: failure.call, message: failure.detail))
                }
            }
        }
        sample.issues = issues
        return sample
    }
}

extension CounterSample {
    /// A sample of all-zero counters `uptime` seconds before `sample`: the state at boot. Rates
    /// from it to `sample` are averages since boot, which is all one reading (a snapshot) can
    /// tell. 32-bit counters that wrapped since boot make those averages low, never high.
    public static func bootBaseline(for sample: CounterSample, uptime: Double) -> CounterSample {
        var baseline = CounterSample(time: sample.time - uptime, online: sample.online)
        if let times = sample.cpuTimes {
            baseline.cpuTimes = CPUTimes(cpus: times.cpus.mapValues { _ in CPUTimes.Ticks() })
        }
        if let softirqs = sample.softirqs {
            baseline.softirqs = SoftIRQCounters(counts: softirqs.counts.mapValues { $0.mapValues { _ in 0 } })
        }
        if let softnet = sample.softnet {
            let zero = SoftnetStat.Row(processed: 0, dropped: 0, timeSqueeze: 0, receivedRPS: 0, flowLimitCount: 0)
            baseline.softnet = SoftnetStat(cpus: softnet.cpus.mapValues { _ in zero }, hadCPUColumn: softnet.hadCPUColumn)
        }
        if let interrupts = sample.interrupts {
            baseline.interrupts = InterruptTable(
                cpus: interrupts.cpus,
                lines: interrupts.lines.map { line in
                    var zero = line
                    zero.counts = Array(repeating: 0, count: line.counts.count)
                    return zero
                })
        }
        baseline.interfaces = sample.interfaces.mapValues { _ in InterfacePackets(rx: 0, tx: 0) }
        baseline.queues = sample.queues.mapValues { counters in
            QueuePacketCounters(source: counters.source, rx: counters.rx.mapValues { _ in 0 }, tx: counters.tx.mapValues { _ in 0 })
        }
        return baseline
    }

    /// Seconds since boot from /proc/uptime, when the tree has it.
    public static func uptime(from root: HostRoot) -> Double? {
        guard let text = try? root.readIfPresent("proc/uptime"), let first = text.split(separator: " ").first else { return nil }
        return Double(first)
    }
}
