import HostKit

/// Where NIC interrupts were counted, not where affinity files say they may go.
///
/// The counts of /proc/interrupts are evidence on their own: a copy of a server holding only
/// that file, or a kernel without `effective_affinity_list`, still shows every queue IRQ of a
/// NIC firing on CPU 0. Affinity adds to the finding; it never gates it.
enum InterruptCountRules {
    static let codes = ["irqs-on-one-cpu", "nic-irqs-concentrated"]

    /// One IRQ counts as firing on one CPU when that CPU took this share of it.
    static let oneCPUShare = 0.9
    /// One CPU taking this share of all NIC queue interrupts is a concentration.
    static let concentratedShare = 0.75

    /// Interrupts per IRQ and CPU over a window: sampled (`perSecond` true: rates) or since boot
    /// (totals).
    struct Counts {
        var perIRQ: [Int: [Int: Double]]
        var window: String
        var sampled: Bool
        /// Below this an IRQ is too quiet to judge.
        var activeFloor: Double
        var unit: String

        func total(_ irq: Int) -> Double { perIRQ[irq]?.values.reduce(0, +) ?? 0 }
    }

    /// The counts to judge: the sampled rates when there are some, else the totals since boot
    /// that /proc/interrupts holds.
    static func counts(rates: CounterRates?, sinceBoot: Bool, inventory: HostInventory) -> Counts? {
        if let rates, !rates.irqsPerCPU.isEmpty, !sinceBoot {
            return Counts(perIRQ: rates.irqsPerCPU, window: "over \(NumberText.seconds(rates.seconds)) s", sampled: true, activeFloor: 10, unit: "/s")
        }
        let table = inventory.interrupts
        guard !table.lines.isEmpty else { return nil }
        var perIRQ: [Int: [Int: Double]] = [:]
        for line in table.lines {
            var byCPU: [Int: Double] = [:]
            for (column, cpu) in table.cpus.enumerated() where column < line.counts.count { byCPU[cpu] = Double(line.counts[column]) }
            perIRQ[line.irq] = byCPU
        }
        return Counts(perIRQ: perIRQ, window: "since boot", sampled: false, activeFloor: 1_000, unit: "")
    }

    static func findings(counts: Counts, inventory: HostInventory, related: [Observation]) -> [Observation] {
        let online = inventory.topology.online.union(CPUSet(inventory.interrupts.cpus))
        guard online.count > 1 else { return [] }
        var found: [Observation] = []
        var oneCPU = Set<Int>()
        var allVectors: [(interface: String, irq: Int)] = []
        for report in inventory.interfaces where !report.interface.isLoopback {
            var seen = Set<Int>()
            let vectors = report.receiveQueues.filter { !$0.irqShared }.compactMap(\.irq).filter { seen.insert($0).inserted }
            let active = vectors.filter { counts.total($0) >= counts.activeFloor }
            allVectors += active.map { (report.name, $0) }
            guard active.count >= 2 else { continue }
            let tops = active.compactMap { irq -> Int? in
                guard let byCPU = counts.perIRQ[irq], let top = byCPU.max(by: { $0.value < $1.value }), top.value >= oneCPUShare * counts.total(irq) else {
                    return nil
                }
                return top.key
            }
            guard tops.count == active.count, let cpu = tops.first, tops.allSatisfy({ $0 == cpu }) else { continue }
            let onCPU = active.map { counts.perIRQ[$0]?[cpu] ?? 0 }.reduce(0, +)
            let elsewhere = active.map(counts.total).reduce(0, +) - onCPU
            var evidence =
                "all \(active.count) receive queue IRQs of \(report.name) fired on CPU \(cpu) \(counts.window): "
                + "\(NumberText.grouped(onCPU))\(counts.unit) interrupts there, \(NumberText.grouped(elsewhere))\(counts.unit) on the other \(Plural.count(online.count - 1, "CPU"))"
            if vectors.count > active.count {
                evidence += " (\(vectors.count - active.count) quieter queue IRQs not counted)"
            }
            // What the affinity files say now: a mask of that CPU alone confirms it; a wider mask
            // that includes it is the classic case of x86 delivering a wide mask to one CPU; a
            // mask without it means the counts may predate a change (only for counts since boot).
            let firing = report.receiveQueues.filter { active.contains($0.irq ?? -1) }.compactMap(\.firingCPUs)
            var severity = Observation.Severity.critical
            let allowed = firing.reduce(CPUSet()) { $0.union($1) }
            if !counts.sampled, firing.contains(where: { !$0.contains(cpu) }) {
                evidence += "; the affinity files now send them to CPUs \(allowed.listString), so the IRQs may have moved since"
                severity = .warning
            } else if !firing.isEmpty, allowed == [cpu] {
                evidence += "; their affinity sends them to CPU \(cpu) too"
            } else if !firing.isEmpty {
                evidence +=
                    "; their affinity allows CPUs \(allowed.listString), yet every interrupt went to CPU \(cpu) (x86 delivers a multi-CPU mask to one CPU)"
            }
            oneCPU.insert(cpu)
            let cause = related.first { $0.code == "irqs-on-one-cpu" && $0.subject == report.name }
            found.append(
                Observation(
                    code: "irqs-on-one-cpu", severity: severity, subject: report.name, evidence: evidence, fix: "cmtune spread \(report.name)",
                    manualFix: cause?.manualFix))
        }

        // Across NICs: one CPU taking most NIC queue interrupts, even when no single NIC has all
        // its IRQs there (one queue of each NIC on CPU 0, and those queues carry the traffic).
        let total = allVectors.map { counts.total($0.irq) }.reduce(0, +)
        guard allVectors.count >= 2, total >= counts.activeFloor * 2 else { return found }
        var perCPU: [Int: Double] = [:]
        for vector in allVectors {
            for (cpu, count) in counts.perIRQ[vector.irq] ?? [:] { perCPU[cpu, default: 0] += count }
        }
        guard let top = perCPU.max(by: { $0.value < $1.value }), top.value >= concentratedShare * total,
            !oneCPU.contains(top.key)
        else { return found }
        let interfaces = Set(allVectors.map(\.interface)).sorted()
        found.append(
            Observation(
                code: "nic-irqs-concentrated", severity: .warning, subject: "CPU \(top.key)",
                evidence:
                    "CPU \(top.key) took \(NumberText.percent(top.value * 100 / total)) of all NIC queue interrupts \(counts.window) "
                    + "(\(NumberText.grouped(top.value))\(counts.unit) of \(NumberText.grouped(total))\(counts.unit), \(Plural.count(allVectors.count, "queue IRQ")) of \(interfaces.joined(separator: ", ")))",
                fix: "cmtune spread " + interfaces.joined(separator: " ")))
        return found
    }
}
