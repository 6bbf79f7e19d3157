/// Rates between two samples: per-CPU utilisation in percent and events per second.
///
/// Kernel counters are 32 bits in /proc/interrupts, /proc/softirqs and softnet_stat, so they
/// wrap on a busy host within hours; a decrease that fits a 32-bit wrap is taken as one, any
/// other decrease as a reset (no rate rather than a huge one). A CPU present in only one
/// sample (hot-unplugged or plugged between them) gets no rates and a note.
public struct CounterRates: Sendable, Equatable {
    public var seconds: Double
    public var cpus: [CPURate]
    /// Hard interrupts per second, by IRQ, summed over CPUs.
    public var irqs: [Int: Double]
    /// Hard interrupts per second, by IRQ, then by CPU.
    public var irqsPerCPU: [Int: [Int: Double]]
    /// Packets per second per queue, by interface.
    public var queues: [String: QueueRates]
    /// Packets per second per interface (rx, tx).
    public var interfaces: [String: InterfaceRates]
    /// What changed between the samples that limits the rates (CPUs going offline...).
    public var notes: [String]

    public struct CPURate: Sendable, Equatable {
        public var cpu: Int
        /// Percent of the CPU's time, 0...100; nil when /proc/stat was unavailable.
        public var user: Double?
        public var system: Double?
        public var irq: Double?
        public var softirq: Double?
        public var steal: Double?
        public var iowait: Double?
        public var idle: Double?
        /// NET_RX and NET_TX softirqs per second.
        public var netRX: Double?
        public var netTX: Double?
        /// softnet_stat per second: packets processed, dropped (backlog full), squeezes
        /// (budget exhausted), RPS wake-ups received, flow-limit drops.
        public var processed: Double?
        public var dropped: Double?
        public var squeezed: Double?
        public var receivedRPS: Double?
        public var flowLimited: Double?
        /// Hard interrupts per second on this CPU, all IRQs.
        public var interrupts: Double?

        public init(cpu: Int) { self.cpu = cpu }

        /// Percent not idle (iowait counts as idle: the CPU could run something).
        public var busy: Double? { idle.map { 100 - $0 - (iowait ?? 0) } }
    }

    public struct QueueRates: Sendable, Equatable {
        public var source: QueuePacketCounters.Source
        public var rx: [Int: Double]
        public var tx: [Int: Double]

        public init(source: QueuePacketCounters.Source, rx: [Int: Double], tx: [Int: Double]) {
            self.source = source
            self.rx = rx
            self.tx = tx
        }
    }

    public struct InterfaceRates: Sendable, Equatable {
        public var rx: Double
        public var tx: Double

        public init(rx: Double, tx: Double) {
            self.rx = rx
            self.tx = tx
        }
    }

    public init(
        seconds: Double, cpus: [CPURate], irqs: [Int: Double] = [:], irqsPerCPU: [Int: [Int: Double]] = [:], queues: [String: QueueRates] = [:],
        interfaces: [String: InterfaceRates] = [:], notes: [String] = []
    ) {
        self.seconds = seconds
        self.cpus = cpus
        self.irqs = irqs
        self.irqsPerCPU = irqsPerCPU
        self.queues = queues
        self.interfaces = interfaces
        self.notes = notes
    }

    public func cpu(_ id: Int) -> CPURate? { cpus.first { $0.cpu == id } }

    /// The change of a counter: wraps of 32-bit counters are undone, resets give nil.
    public static func delta(from old: UInt64, to new: UInt64, wraps32: Bool) -> UInt64? {
        if new >= old { return new - old }
        if wraps32 && old <= UInt64(UInt32.max) && new <= UInt64(UInt32.max) { return (UInt64(UInt32.max) - old) + new + 1 }
        return nil
    }

    public init(from first: CounterSample, to second: CounterSample) {
        let seconds = second.time - first.time
        self.init(seconds: seconds, cpus: [])
        guard seconds > 0 else {
            notes.append("samples are not ordered in time; no rates")
            return
        }
        func perSecond(_ old: UInt64?, _ new: UInt64?, wraps32: Bool = true) -> Double? {
            guard let old, let new, let change = Self.delta(from: old, to: new, wraps32: wraps32) else { return nil }
            return Double(change) / seconds
        }

        var cpuIDs = first.online.union(second.online)
        for source in [first.cpuTimes?.cpus.keys, second.cpuTimes?.cpus.keys] { if let keys = source { cpuIDs = cpuIDs.union(CPUSet(keys)) } }
        let changed =
            first.online.isEmpty || second.online.isEmpty ? CPUSet() : first.online.union(second.online).subtracting(first.online.intersection(second.online))
        if !changed.isEmpty {
            notes.append("CPUs \(changed.listString) went offline or online between samples; they have no rates")
        }

        // Hard interrupts, aligned by CPU id through each table's own header.
        var perCPUInterrupts: [Int: Double] = [:]
        if let old = first.interrupts, let new = second.interrupts {
            let oldLines = Dictionary(old.lines.map { ($0.irq, $0) }, uniquingKeysWith: { a, _ in a })
            for line in new.lines {
                guard let before = oldLines[line.irq] else { continue }
                var total = 0.0
                var byCPU: [Int: Double] = [:]
                for (column, cpu) in new.cpus.enumerated() {
                    guard let oldColumn = old.cpus.firstIndex(of: cpu), let rate = perSecond(before.counts[oldColumn], line.counts[column]) else { continue }
                    total += rate
                    byCPU[cpu] = rate
                    perCPUInterrupts[cpu, default: 0] += rate
                }
                irqs[line.irq] = total
                irqsPerCPU[line.irq] = byCPU
            }
        }

        for cpu in cpuIDs where !changed.contains(cpu) {
            var rate = CPURate(cpu: cpu)
            if let old = first.cpuTimes?.cpus[cpu], let new = second.cpuTimes?.cpus[cpu], new.total > old.total {
                let total = Double(new.total - old.total)
                func share(_ keyPath: KeyPath<CPUTimes.Ticks, UInt64>) -> Double {
                    Double(Self.delta(from: old[keyPath: keyPath], to: new[keyPath: keyPath], wraps32: false) ?? 0) * 100 / total
                }
                rate.user = share(\.user) + share(\.nice)
                rate.system = share(\.system)
                rate.irq = share(\.irq)
                rate.softirq = share(\.softirq)
                rate.steal = share(\.steal)
                rate.iowait = share(\.iowait)
                rate.idle = share(\.idle)
            }
            rate.netRX = perSecond(first.softirqs?.count("NET_RX", cpu: cpu), second.softirqs?.count("NET_RX", cpu: cpu))
            rate.netTX = perSecond(first.softirqs?.count("NET_TX", cpu: cpu), second.softirqs?.count("NET_TX", cpu: cpu))
            if let old = first.softnet?.cpus[cpu], let new = second.softnet?.cpus[cpu] {
                rate.processed = perSecond(old.processed, new.processed)
                rate.dropped = perSecond(old.dropped, new.dropped)
                rate.squeezed = perSecond(old.timeSqueeze, new.timeSqueeze)
                rate.receivedRPS = perSecond(old.receivedRPS, new.receivedRPS)
                rate.flowLimited = perSecond(old.flowLimitCount, new.flowLimitCount)
            }
            if first.interrupts != nil && second.interrupts != nil { rate.interrupts = perCPUInterrupts[cpu] ?? 0 }
            let hasSomething = rate.idle != nil || rate.netRX != nil || rate.processed != nil || rate.interrupts != nil
            if hasSomething { cpus.append(rate) }
        }
        cpus.sort { $0.cpu < $1.cpu }

        for (interface, new) in second.interfaces {
            guard let old = first.interfaces[interface], let rx = perSecond(old.rx, new.rx, wraps32: false),
                let tx = perSecond(old.tx, new.tx, wraps32: false)
            else { continue }
            interfaces[interface] = InterfaceRates(rx: rx, tx: tx)
        }
        for (interface, new) in second.queues {
            guard let old = first.queues[interface], old.source == new.source else { continue }
            var rates = QueueRates(source: new.source, rx: [:], tx: [:])
            for (queue, count) in new.rx { rates.rx[queue] = perSecond(old.rx[queue], count, wraps32: false) }
            for (queue, count) in new.tx { rates.tx[queue] = perSecond(old.tx[queue], count, wraps32: false) }
            queues[interface] = rates
        }
    }
}
