import HostKit

/// An interface as it will be once the plan's channel change is done: the queues that will
/// exist (new ones with the kernel's defaults), and the queue vectors the driver will allocate.
///
/// The dry-run and the apply both plan on this forecast, so what `--dry-run` prints is what
/// the apply writes: RPS decided for four queues is decided for four queues in both, not for
/// the one queue that existed before `ethtool -L` ran.
struct ChannelForecast {
    struct RxQueue {
        var index: Int
        /// nil when the kernel has no `rps_cpus` (no CONFIG_RPS).
        var rpsCPUs: CPUSet?
        var rpsFlowCount: Int?
        var isNew: Bool
    }

    struct TxQueue {
        var index: Int
        /// nil when unset on a single queue; for a new queue, unknown until it exists.
        var xpsCPUs: CPUSet?
        var isNew: Bool
    }

    /// One interrupt vector serving a queue (or an rx/tx pair).
    struct Vector {
        var kind: QueueKind
        var index: Int
        /// nil for a vector the channel change creates.
        var irq: Int?
        var before: CPUSet?
        var managed: Bool
        /// One vector for all the device's queues (single-vector NICs, `virtioN-virtqueues`).
        var shared = false

        var label: String { QueueReport(kind: kind, index: index).label }
    }

    var report: InterfaceReport
    var rxQueues: [RxQueue]
    var txQueues: [TxQueue]
    var vectors: [Vector]
    /// True when a channel change in the plan reshapes this interface.
    var changesChannels: Bool

    var name: String { report.name }

    /// The interface as it is, or as `change` will leave it.
    init(_ report: InterfaceReport, change: ChannelChange?) {
        self.report = report
        changesChannels = change != nil
        rxQueues = report.interface.rxQueues.map { RxQueue(index: $0.index, rpsCPUs: $0.rpsCPUs, rpsFlowCount: $0.rpsFlowCount, isNew: false) }
        txQueues = report.interface.txQueues.map { TxQueue(index: $0.index, xpsCPUs: $0.xpsCPUs, isNew: false) }
        var seen = Set<Int>()
        vectors = report.queues.compactMap { queue in
            guard let irq = queue.irq, seen.insert(irq).inserted else { return nil }
            return Vector(
                kind: queue.kind, index: queue.index, irq: irq, before: queue.firingCPUs, managed: queue.settings?.managed == true, shared: queue.irqShared)
        }
        guard let change else { return }

        // The kernel adds or removes queues by the change in channel count: combined channels
        // carry an rx and a tx queue each, rx and tx channels one queue of their kind.
        let old = change.old
        let rxDelta = Self.delta(change.combined, old.combined) + Self.delta(change.rx, old.rx)
        let txDelta = Self.delta(change.combined, old.combined) + Self.delta(change.tx, old.tx)
        let rxCount = max(0, rxQueues.count + rxDelta)
        let txCount = max(0, txQueues.count + txDelta)
        let rpsPresent = rxQueues.first?.rpsCPUs != nil
        let flowPresent = rxQueues.first?.rpsFlowCount != nil
        rxQueues = Array(rxQueues.prefix(rxCount))
        while rxQueues.count < rxCount {
            // A new rx queue starts with RPS and RFS off.
            rxQueues.append(RxQueue(index: rxQueues.count, rpsCPUs: rpsPresent ? [] : nil, rpsFlowCount: flowPresent ? 0 : nil, isNew: true))
        }
        txQueues = Array(txQueues.prefix(txCount))
        while txQueues.count < txCount { txQueues.append(TxQueue(index: txQueues.count, xpsCPUs: nil, isNew: true)) }

        // Vectors: the driver keeps one per queue in the shape it already uses (one per rx/tx
        // pair, or one per rx and one per tx queue); a single shared vector stays single.
        vectors.removeAll { vector in !vector.shared && (vector.kind == .tx ? vector.index >= txCount : vector.index >= rxCount) }
        let combined = vectors.contains { $0.kind == .combined && !$0.shared }
        let separate = vectors.contains { $0.kind == .rx && !$0.shared }
        guard combined || separate else { return }
        let existing = Set(vectors.map { "\($0.kind.rawValue)-\($0.index)" })
        for index in 0..<max(rxCount, txCount) {
            if combined {
                if !existing.contains("combined-\(index)"), index < min(rxCount, txCount) {
                    vectors.append(Vector(kind: .combined, index: index, irq: nil, before: nil, managed: false))
                }
                continue
            }
            if index < rxCount, !existing.contains("rx-\(index)") { vectors.append(Vector(kind: .rx, index: index, irq: nil, before: nil, managed: false)) }
            if index < txCount, vectors.contains(where: { $0.kind == .tx }), !existing.contains("tx-\(index)") {
                vectors.append(Vector(kind: .tx, index: index, irq: nil, before: nil, managed: false))
            }
        }
        vectors.sort { ($0.index, $0.kind.rawValue) < ($1.index, $1.kind.rawValue) }
    }

    /// Receive vectors: rx and combined.
    var receiveVectors: [Vector] { vectors.filter { $0.kind != .tx } }

    private static func delta(_ new: UInt32?, _ old: UInt32?) -> Int {
        guard let new else { return 0 }
        return Int(new) - Int(old ?? 0)
    }
}
