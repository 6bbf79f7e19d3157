/// A problem or notable fact found in what was read, with the numbers that show it and the
/// command that fixes it. `nic` shows them under each interface; `diagnose` ranks them.
public struct Observation: Sendable, Equatable, Codable {
    public enum Severity: String, Sendable, Equatable, Codable, Comparable {
        case info, warning, critical

        private var rank: Int {
            switch self {
            case .info: return 0
            case .warning: return 1
            case .critical: return 2
            }
        }

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    /// Stable identifier, documented in docs/json.md; scripts match on it.
    public var code: String
    public var severity: Severity
    /// What it is about: an interface, an IRQ, a sysctl.
    public var subject: String
    /// The numbers that show it.
    public var evidence: String
    /// The command that fixes it, when there is one: a `cmtune spread` where that can do it
    /// (planned, transactional, undone with `cmtune restore`).
    public var fix: String?
    /// The same fix as plain shell commands, for hosts without cmtune or for a playbook.
    public var manualFix: String?

    public init(code: String, severity: Severity, subject: String, evidence: String, fix: String? = nil, manualFix: String? = nil) {
        self.code = code
        self.severity = severity
        self.subject = subject
        self.evidence = evidence
        self.fix = fix
        self.manualFix = manualFix
    }
}

/// Static checks on one interface: what is visible from a single reading, no rates.
enum InterfaceChecks {
    static func observe(_ report: InterfaceReport, topology: CPUTopology, rpsSockFlowEntries: Int?) -> [Observation] {
        var found: [Observation] = []
        let name = report.name
        let receive = report.receiveQueues
        let withIRQ = receive.filter { $0.irq != nil }
        let firing = withIRQ.compactMap(\.firingCPUs)
        let online = topology.online
        let fixes = ManualFix(report: report, topology: topology)

        if withIRQ.count >= 2, firing.count == withIRQ.count, online.count > 1 {
            let cpus = firing.reduce(CPUSet()) { $0.union($1) }
            let distinct = Set(withIRQ.compactMap(\.irq)).count
            if cpus.count == 1, distinct >= 2 {
                found.append(
                    Observation(
                        code: "irqs-on-one-cpu", severity: .critical, subject: name,
                        evidence: "all \(distinct) receive queue IRQs fire on CPU \(cpus.listString) while \(online.count) CPUs are online",
                        fix: "cmtune spread \(name)", manualFix: fixes.spreadReceiveIRQs()))
            }
        }

        if receive.count == 1, online.count > 1, let rps = receive[0].rpsCPUs, rps.isEmpty, !report.interface.isLoopback {
            found.append(
                Observation(
                    code: "single-queue-no-rps", severity: .warning, subject: name,
                    evidence: "1 receive queue and RPS off: all receive processing for \(name) runs on one CPU of \(online.count)",
                    fix: "cmtune spread \(name) --rps on", manualFix: fixes.enableRPS()))
        }

        // RPS that sends every receive queue's packets to one and the same CPU: the packets are
        // processed there whatever the IRQ placement, the classic "RPS pinned" mistake.
        let rpsSets = receive.compactMap(\.rpsCPUs)
        if online.count > 1, !rpsSets.isEmpty, rpsSets.count == receive.count, let first = rpsSets.first, first.count == 1,
            rpsSets.allSatisfy({ $0 == first }), !report.interface.isLoopback
        {
            found.append(
                Observation(
                    code: "rps-on-one-cpu", severity: .warning, subject: name,
                    evidence:
                        "RPS sends the packets of \(receive.count == 1 ? "the receive queue" : "all \(receive.count) receive queues") of \(name) to CPU \(first.listString) while \(Plural.count(online.count, "CPU is", "CPUs are")) online",
                    fix: "cmtune spread \(name) --rps on", manualFix: fixes.enableRPS()))
        }

        if let channels = report.facts?.channels.value {
            let pairs: [(String, UInt32?, UInt32?)] = [
                ("combined", channels.combined, channels.maxCombined), ("rx", channels.rx, channels.maxRx),
            ]
            for (kind, current, maximum) in pairs {
                guard let current, let maximum, maximum > current else { continue }
                let useful = min(Int(maximum), online.count)
                guard Int(current) < useful else { continue }
                found.append(
                    Observation(
                        code: "fewer-channels-than-supported", severity: .warning, subject: name,
                        evidence:
                            "\(Plural.count(Int(current), "\(kind) channel")) in use, the NIC supports \(maximum) and \(Plural.count(online.count, "CPU is", "CPUs are")) online",
                        fix: "cmtune spread \(name) --channels max", manualFix: "ethtool -L \(name) \(kind) \(useful)"))
                break
            }
        }

        if let node = report.interface.device?.numaNode, topology.nodes.count > 1, let nodeCPUs = topology.cpus(ofNode: node) {
            let remote = withIRQ.filter { queue in queue.firingCPUs.map { !$0.isEmpty && $0.isDisjoint(with: nodeCPUs) } ?? false }
            if !remote.isEmpty {
                found.append(
                    Observation(
                        code: "remote-numa-irq", severity: .warning, subject: name,
                        evidence:
                            "\(remote.count) of \(withIRQ.count) receive queue IRQs fire outside NUMA node \(node) (CPUs \(nodeCPUs.listString)) where \(name) is attached",
                        fix: "cmtune spread \(name)", manualFix: fixes.spreadReceiveIRQs()))
            }
        }

        let reserved = topology.isolated.union(topology.nohzFull)
        if !reserved.isEmpty {
            let onReserved = report.queues.filter { $0.firingCPUs.map { !$0.isDisjoint(with: reserved) } ?? false }
            if !onReserved.isEmpty {
                found.append(
                    Observation(
                        code: "irq-on-isolated-cpu", severity: .warning, subject: name,
                        evidence:
                            "\(Plural.count(onReserved.count, "queue IRQ fires", "queue IRQs fire")) on isolated or nohz_full CPUs \(reserved.listString)",
                        fix: "cmtune spread \(name)", manualFix: fixes.spreadReceiveIRQs()))
            }
        }

        let collapsed = withIRQ.filter { queue in
            guard let affinity = queue.settings?.affinity, let effective = queue.settings?.effectiveAffinity else { return false }
            return affinity.count > 1 && effective.count == 1
        }
        if !collapsed.isEmpty {
            found.append(
                Observation(
                    code: "wide-mask-one-cpu", severity: .info, subject: name,
                    evidence: "\(collapsed.count) of \(withIRQ.count) receive queue IRQs allow several CPUs but are delivered to one (see 'effective')"))
        }

        let flowCounts = receive.compactMap(\.rpsFlowCount)
        if let entries = rpsSockFlowEntries, !flowCounts.isEmpty {
            let rfsQueues = flowCounts.filter { $0 > 0 }.count
            if rfsQueues > 0 && entries == 0 {
                found.append(
                    Observation(
                        code: "rfs-inconsistent", severity: .warning, subject: name,
                        evidence:
                            "\(Plural.count(rfsQueues, "rx queue has", "rx queues have")) rps_flow_cnt set but net.core.rps_sock_flow_entries is 0, so RFS does nothing",
                        fix: "cmtune spread \(name) --rfs auto", manualFix: "sysctl -w net.core.rps_sock_flow_entries=\(ManualFix.sockFlowEntries)"))
            } else if rfsQueues == 0 && entries > 0 && !report.interface.isLoopback {
                found.append(
                    Observation(
                        code: "rfs-inconsistent", severity: .warning, subject: name,
                        evidence: "net.core.rps_sock_flow_entries is \(entries) but no rx queue of \(name) has rps_flow_cnt, so RFS is off for it",
                        fix: "cmtune spread \(name) --rfs auto", manualFix: fixes.enableRFS(entries: entries)))
            }
        }

        let possible = topology.possible.union(topology.online)
        if !possible.isEmpty {
            var beyond: [String] = []
            for queue in report.queues {
                for (label, set) in [("affinity", queue.settings?.affinity), ("rps_cpus", queue.rpsCPUs), ("xps_cpus", queue.xpsCPUs)] {
                    if let set, !set.isSubset(of: possible) {
                        beyond.append("\(queue.label) \(label) \(set.listString)")
                    }
                }
            }
            if !beyond.isEmpty {
                found.append(
                    Observation(
                        code: "mask-beyond-cpus", severity: .warning, subject: name,
                        evidence: "masks name CPUs this host does not have (possible CPUs \(possible.listString)): \(beyond.prefix(4).joined(separator: "; "))")
                )
            }
        }

        let managed = report.queues.filter { $0.settings?.managed == true }
        if !managed.isEmpty {
            found.append(
                Observation(
                    code: "managed-irqs", severity: .info, subject: name,
                    evidence:
                        "\(Plural.count(managed.count, "queue IRQ has", "queue IRQs have")) kernel-managed affinity; writes to them fail with EIO by design"))
        }

        if let rss = report.facts?.rss.value, !rss.indirectionTable.isEmpty {
            let rxCount = report.facts?.channels.value.map { Int(($0.combined ?? 0) + ($0.rx ?? 0)) } ?? receive.count
            let used = Set(rss.indirectionTable)
            if rxCount > 1 && used.count < rxCount {
                found.append(
                    Observation(
                        code: "rss-uneven", severity: .warning, subject: name,
                        evidence: "the RSS indirection table spreads flows over \(used.count) of \(rxCount) rx queues",
                        fix: "ethtool -X \(name) equal \(rxCount)"))
            }
        }
        return found
    }
}
