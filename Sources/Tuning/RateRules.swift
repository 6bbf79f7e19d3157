import HostKit

/// Rules that need rates: which CPU is saturated and by what, where receive work piles up,
/// and whether the backlog drops or runs out of budget.
enum RateRules {
    static let codes = [
        "softirq-saturated-cpu", "hardirq-saturated-cpu", "user-saturated-cpu", "softnet-drops", "net-rx-concentrated",
        "softnet-squeeze", "rx-queue-imbalance",
    ]

    /// A CPU this busy in one category is saturated by it.
    static let saturatedPercent = 90.0
    /// ...while another CPU this idle could have taken the work.
    static let sparePercent = 50.0
    /// One CPU running this share of all NET_RX softirqs has the receive work to itself.
    static let concentratedShare = 0.9
    /// Below this many NET_RX softirqs per second a skew is noise, not a problem.
    static let meaningfulNetRX = 1_000.0
    /// A queue carrying this share, and at least twice its fair share, is a hash imbalance.
    static let dominantQueueShare = 0.5

    static func findings(
        rates: CounterRates, inventory: HostInventory, sysctls: [String: String], related: [Observation], sinceBoot: Bool
    ) -> [Observation] {
        var found: [Observation] = []
        let window = sinceBoot ? "since boot" : "over \(NumberText.seconds(rates.seconds)) s"
        let cpus = rates.cpus

        func spare(otherThan cpu: Int) -> CounterRates.CPURate? {
            cpus.filter { $0.cpu != cpu }.compactMap { rate in rate.busy.map { (rate, $0) } }.filter { $0.1 < sparePercent }.min { $0.1 < $1.1 }?.0
        }
        let totalNetRX = cpus.compactMap(\.netRX).reduce(0, +)

        for rate in cpus {
            guard let idle = spare(otherThan: rate.cpu), let idleBusy = idle.busy else { continue }
            let cause = likelyCause(for: rate.cpu, inventory: inventory, related: related)
            if let softirq = rate.softirq, softirq >= saturatedPercent {
                var evidence = "CPU \(rate.cpu) spends \(NumberText.percent(softirq)) in softirq \(window)"
                if let netRX = rate.netRX, totalNetRX > 0 {
                    evidence += " (NET_RX \(NumberText.grouped(netRX))/s, \(NumberText.percent(netRX * 100 / totalNetRX)) of all NET_RX)"
                }
                evidence += " while CPU \(idle.cpu) is \(NumberText.percent(idleBusy)) busy"
                if let cause { evidence += "; likely cause: \(cause.code) on \(cause.subject)" }
                found.append(
                    Observation(
                        code: "softirq-saturated-cpu", severity: .critical, subject: "CPU \(rate.cpu)", evidence: evidence, fix: cause?.fix,
                        manualFix: cause?.manualFix))
            }
            if let irq = rate.irq, irq >= saturatedPercent {
                var evidence = "CPU \(rate.cpu) spends \(NumberText.percent(irq)) in hard interrupts \(window)"
                if let interrupts = rate.interrupts { evidence += " (\(NumberText.grouped(interrupts)) interrupts/s)" }
                evidence += " while CPU \(idle.cpu) is \(NumberText.percent(idleBusy)) busy"
                if let cause { evidence += "; likely cause: \(cause.code) on \(cause.subject)" }
                found.append(
                    Observation(
                        code: "hardirq-saturated-cpu", severity: .critical, subject: "CPU \(rate.cpu)", evidence: evidence, fix: cause?.fix,
                        manualFix: cause?.manualFix))
            }
            if let user = rate.user, let system = rate.system, user + system >= saturatedPercent + 5 {
                found.append(
                    Observation(
                        code: "user-saturated-cpu", severity: .warning, subject: "CPU \(rate.cpu)",
                        evidence:
                            "CPU \(rate.cpu) is \(NumberText.percent(user)) user + \(NumberText.percent(system)) system \(window) while CPU \(idle.cpu) is \(NumberText.percent(idleBusy)) busy: one thread is the bottleneck, not the network stack",
                        fix: "top -H -p $(pgrep -d, -f <cm process>)  # find the hot thread; give the CM one event loop per core"))
            }
        }

        // Receive work piling onto one CPU, saturated or not yet. Packets processed (softnet) are
        // the measure that cannot be split: with RPS the NET_RX softirqs are raised on the CPU
        // that takes the IRQ and again on the CPU RPS sends the packets to, so a CPU doing all the
        // work can hold half the NET_RX count; NET_RX stays the measure where softnet is missing.
        if cpus.count > 1, let concentrated = receiveConcentration(cpus, sinceBoot: sinceBoot),
            !found.contains(where: { $0.code == "softirq-saturated-cpu" && $0.subject == "CPU \(concentrated.cpu)" })
        {
            let top = concentrated.cpu
            let cause = likelyCause(for: top, inventory: inventory, related: related)
            var evidence =
                "CPU \(top) \(concentrated.verb) \(NumberText.percent(concentrated.share * 100)) of all \(concentrated.what) \(window) "
                + "(\(NumberText.grouped(concentrated.value))/s of \(NumberText.grouped(concentrated.total))/s) on a host with \(Plural.count(cpus.count, "CPU"))"
            if let softirq = cpus.first(where: { $0.cpu == top })?.softirq { evidence += "; it is \(NumberText.percent(softirq)) in softirq" }
            if concentrated.what != "NET_RX softirqs", totalNetRX > 0, let netRX = cpus.first(where: { $0.cpu == top })?.netRX {
                evidence +=
                    " (its share of NET_RX softirqs, \(NumberText.percent(netRX * 100 / totalNetRX)), understates it: RPS raises NET_RX on the CPU that takes the IRQ too)"
            }
            if let cause { evidence += "; likely cause: \(cause.code) on \(cause.subject)" }
            found.append(
                Observation(
                    code: "net-rx-concentrated", severity: .warning, subject: "CPU \(top)", evidence: evidence, fix: cause?.fix, manualFix: cause?.manualFix))
        }

        // The backlog: drops and squeezes.
        let dropping = cpus.filter { ($0.dropped ?? 0) > 0 || ($0.flowLimited ?? 0) > 0 }
        if !dropping.isEmpty {
            let backlog = sysctls["net.core.netdev_max_backlog"].flatMap { Int($0) }
            let list = dropping.map { "CPU \($0.cpu) \(NumberText.grouped(($0.dropped ?? 0) + ($0.flowLimited ?? 0)))/s" }.joined(separator: ", ")
            let raised = max((backlog ?? 1000) * 2, 16_384)
            found.append(
                Observation(
                    code: "softnet-drops", severity: sinceBoot ? .warning : .critical, subject: "softnet backlog",
                    evidence: "packets dropped because the per-CPU backlog was full \(window): \(list)"
                        + (backlog.map { " (net.core.netdev_max_backlog = \($0))" } ?? "")
                        + (sinceBoot ? "; counted since boot, possibly long ago" : ""),
                    fix: "sysctl -w net.core.netdev_max_backlog=\(raised)  # and spread receive work: see the other findings"))
        }
        let squeezing = cpus.filter { ($0.squeezed ?? 0) > 0 }
        if !squeezing.isEmpty && !sinceBoot {
            let budget = sysctls["net.core.netdev_budget"].flatMap { Int($0) } ?? 300
            let usecs = sysctls["net.core.netdev_budget_usecs"].flatMap { Int($0) } ?? 2000
            let list = squeezing.map { "CPU \($0.cpu) \(NumberText.grouped($0.squeezed!))/s" }.joined(separator: ", ")
            found.append(
                Observation(
                    code: "softnet-squeeze", severity: .warning, subject: "softnet budget",
                    evidence:
                        "receive processing ran out of budget with packets left \(window): \(list) (net.core.netdev_budget = \(budget), netdev_budget_usecs = \(usecs))",
                    fix: "sysctl -w net.core.netdev_budget=\(budget * 2) net.core.netdev_budget_usecs=\(usecs * 2)"))
        }

        found += queueImbalance(rates: rates, inventory: inventory, related: related, window: window)
        return found
    }

    struct Concentration {
        var cpu: Int
        var share: Double
        var value: Double
        var total: Double
        var what: String
        var verb: String
    }

    /// The CPU doing at least `concentratedShare` of the receive work: by packets processed
    /// first, by NET_RX softirqs where softnet is not known.
    static func receiveConcentration(_ cpus: [CounterRates.CPURate], sinceBoot: Bool) -> Concentration? {
        let measures: [(KeyPath<CounterRates.CPURate, Double?>, String, String)] = [
            (\.processed, "received packets (softnet processed)", "processed"), (\.netRX, "NET_RX softirqs", "ran"),
        ]
        for (keyPath, what, verb) in measures {
            let values = cpus.compactMap { rate in rate[keyPath: keyPath].map { (rate.cpu, $0) } }
            let total = values.map(\.1).reduce(0, +)
            guard total >= meaningfulNetRX || (sinceBoot && total > 0), let top = values.max(by: { $0.1 < $1.1 }) else { continue }
            // The first measure with enough data decides: spread processing is spread, whatever
            // NET_RX counts say.
            let share = top.1 / total
            return share >= concentratedShare ? Concentration(cpu: top.0, share: share, value: top.1, total: total, what: what, verb: verb) : nil
        }
        return nil
    }

    /// One rx queue carrying most packets: the hash, not the placement, is the problem.
    static func queueImbalance(rates: CounterRates, inventory: HostInventory, related: [Observation], window: String) -> [Observation] {
        var found: [Observation] = []
        for report in inventory.interfaces {
            let receive = report.receiveQueues
            guard receive.count >= 2 else { continue }
            var perQueue: [(label: String, rate: Double)] = []
            var unit = "packets/s"
            if let counters = rates.queues[report.name], !counters.rx.isEmpty {
                perQueue = counters.rx.sorted { $0.key < $1.key }.map { ("rx-\($0.key)", $0.value) }
            } else {
                // No packet counters: a queue's interrupts per second stand in for its load.
                unit = "interrupts/s (no per-queue packet counters)"
                var seen = Set<Int>()
                for queue in receive {
                    guard let irq = queue.irq, seen.insert(irq).inserted, let rate = rates.irqs[irq] else { continue }
                    perQueue.append((queue.kind == .combined ? "rx/tx-\(queue.index)" : "rx-\(queue.index)", rate))
                }
            }
            guard perQueue.count >= 2 else { continue }
            let total = perQueue.map(\.rate).reduce(0, +)
            guard total >= meaningfulNetRX, let top = perQueue.max(by: { $0.rate < $1.rate }) else { continue }
            let share = top.rate / total
            let fair = 1.0 / Double(perQueue.count)
            guard share >= dominantQueueShare, share >= 2 * fair else { continue }
            let rss = related.first { $0.code == "rss-uneven" && $0.subject == report.name }
            found.append(
                Observation(
                    code: "rx-queue-imbalance", severity: .warning, subject: report.name,
                    evidence:
                        "\(top.label) carries \(NumberText.percent(share * 100)) of \(report.name)'s \(NumberText.grouped(total)) \(unit) \(window) (fair share \(NumberText.percent(fair * 100)) over \(perQueue.count) queues): the flow hash, not IRQ placement, concentrates the load",
                    fix: rss?.fix
                        ?? "ethtool -N \(report.name) rx-flow-hash udp4 sdfn  # hash ports too; if a few large flows dominate, no placement can spread them"))
        }
        return found
    }

    /// The static finding that best explains receive work on `cpu`: an interface whose queue
    /// IRQs all land there, else a single-queue interface without RPS (its softirq runs on
    /// whichever CPU takes the IRQ or sends to it), else any other placement problem.
    static func likelyCause(for cpu: Int, inventory: HostInventory, related: [Observation]) -> Observation? {
        let onCPU = Set(
            inventory.interfaces.filter { report in
                report.receiveQueues.contains { $0.firingCPUs?.contains(cpu) ?? false }
            }.map(\.name))
        let rpsOnCPU = Set(
            inventory.interfaces.filter { report in
                report.receiveQueues.contains { $0.rpsCPUs == [cpu] }
            }.map(\.name))
        if let pinned = related.first(where: { $0.code == "rps-on-one-cpu" && rpsOnCPU.contains($0.subject) }) { return pinned }
        let preference = ["irqs-on-one-cpu", "single-queue-no-rps", "remote-numa-irq", "fewer-channels-than-supported", "rss-uneven"]
        for code in preference {
            let candidates = related.filter { $0.code == code }
            if let onThisCPU = candidates.first(where: { onCPU.contains($0.subject) }) { return onThisCPU }
            if code == "single-queue-no-rps", let any = candidates.first { return any }
        }
        return nil
    }
}
