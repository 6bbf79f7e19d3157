import HostKit

/// Rules about the TCP stack, netfilter, the NICs' own drops and the CM's descriptor limit:
/// each names the counter that shows the problem and the change that removes it.
enum StackRules {
    static let codes = [
        "nic-rx-drops", "rx-ring-small", "listen-overflows", "conntrack-full", "tcp-memory-pressure", "tcp-orphans", "time-wait-overflow",
        "cm-nofile-low",
    ]

    /// Orphans and TIME_WAIT sockets this close to their limit are about to be killed or refused.
    static let nearLimitShare = 0.8
    static let conntrackWarningShare = 0.8
    static let conntrackCriticalShare = 0.95

    static func findings(_ stack: StackEvidence, inventory: HostInventory, sysctls: [String: String]) -> [Observation] {
        var found: [Observation] = []
        let window = stack.window
        // Counts over a sampling window are happening now; since boot they may be old news.
        let countSeverity: Observation.Severity = stack.sampled ? .critical : .warning

        for (interface, drops) in stack.interfaceDrops.sorted(by: { $0.key < $1.key }) where drops.total > 0 {
            var parts: [String] = []
            if drops.missed > 0 { parts.append("rx_missed_errors \(NumberText.grouped(Double(drops.missed)))") }
            if drops.fifo > 0 { parts.append("rx_fifo_errors \(NumberText.grouped(Double(drops.fifo)))") }
            if drops.overruns > 0 { parts.append("rx_over_errors \(NumberText.grouped(Double(drops.overruns)))") }
            for (name, value) in drops.driver.sorted(by: { $0.key < $1.key }) where value > 0 { parts.append("\(name) \(NumberText.grouped(Double(value)))") }
            var evidence = "\(interface) dropped packets in the NIC \(window): " + parts.joined(separator: ", ")
            if let received = drops.received, received > 0 {
                evidence += " (\(NumberText.percent(Double(drops.total) * 100 / Double(received + drops.total))) of what arrived)"
            }
            evidence += ": the host did not empty the receive ring fast enough"
            let report = inventory.interfaces.first { $0.name == interface }
            let rings = report?.facts?.rings.value
            var fix = "cmtune spread \(interface)"
            var manual: String?
            if let rx = rings?.rx, let maximum = rings?.maxRx, rx < maximum {
                found.append(
                    Observation(
                        code: "rx-ring-small", severity: .warning, subject: interface,
                        evidence: "\(interface)'s receive ring holds \(rx) descriptors of the \(maximum) it supports, and it drops packets \(window)",
                        fix: "ethtool -G \(interface) rx \(maximum)", manualFix: "ethtool -G \(interface) rx \(maximum)"))
                fix += "; ethtool -G \(interface) rx \(maximum)"
                manual = "ethtool -G \(interface) rx \(maximum)"
            }
            found.append(Observation(code: "nic-rx-drops", severity: countSeverity, subject: interface, evidence: evidence, fix: fix, manualFix: manual))
        }

        let overflows = stack.listenOverflows ?? 0
        let listenDrops = stack.listenDrops ?? 0
        if overflows > 0 || listenDrops > 0 {
            let somaxconn = sysctls["net.core.somaxconn"].flatMap { Int($0) }
            let synBacklog = sysctls["net.ipv4.tcp_max_syn_backlog"].flatMap { Int($0) }
            found.append(
                Observation(
                    code: "listen-overflows", severity: countSeverity, subject: "TCP listen queues",
                    evidence:
                        "\(NumberText.grouped(Double(overflows))) connections overflowed a full accept queue and \(NumberText.grouped(Double(listenDrops))) SYNs were dropped at a listener \(window) (TcpExt ListenOverflows, ListenDrops)"
                        + (somaxconn.map { "; net.core.somaxconn = \($0)" } ?? "") + (synBacklog.map { ", tcp_max_syn_backlog = \($0)" } ?? "")
                        + ": the CM accepts too slowly or its backlog is too short for a reconnect storm",
                    fix: "cmtune sysctl --apply --persist  # somaxconn and tcp_max_syn_backlog 65535; and listen() with a backlog that large in the CM",
                    manualFix: "sysctl -w net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535"))
        }

        if let count = stack.conntrackCount, let maximum = stack.conntrackMax, maximum > 0 {
            let share = Double(count) / Double(maximum)
            let drops = stack.conntrackDrops ?? 0
            if share >= conntrackWarningShare || drops > 0 {
                let raised = max(maximum * 4, 1 << 20)
                found.append(
                    Observation(
                        code: "conntrack-full", severity: share >= conntrackCriticalShare || drops > 0 ? .critical : .warning, subject: "nf_conntrack",
                        evidence:
                            "the connection tracking table holds \(NumberText.grouped(Double(count))) of \(NumberText.grouped(Double(maximum))) entries (\(NumberText.percent(share * 100)))"
                            + (drops > 0 ? "; \(NumberText.grouped(Double(drops))) packets dropped for want of an entry \(window)" : "")
                            + ": when it is full new connections are dropped (\"nf_conntrack: table full, dropping packet\")",
                        fix:
                            "sysctl -w net.netfilter.nf_conntrack_max=\(raised)  # or exempt the CM's port: nft add rule inet raw prerouting tcp dport <port> notrack",
                        manualFix: "sysctl -w net.netfilter.nf_conntrack_max=\(raised)"))
            }
        }

        if let pages = stack.tcpMemoryPages, let limits = stack.tcpMemory, pages >= limits.pressure || (stack.memoryPressures ?? 0) > 0 {
            let atHigh = pages >= limits.high
            found.append(
                Observation(
                    code: "tcp-memory-pressure", severity: atHigh ? .critical : .warning, subject: "net.ipv4.tcp_mem",
                    evidence:
                        "TCP holds \(NumberText.grouped(Double(pages))) pages; tcp_mem is \(limits.low) \(limits.pressure) \(limits.high) (low, pressure, high)"
                        + ((stack.memoryPressures ?? 0) > 0
                            ? "; TCP entered memory pressure \(NumberText.grouped(Double(stack.memoryPressures ?? 0))) times \(window)" : "")
                        + ": under pressure the kernel shrinks every socket's buffers, at high it drops packets",
                    fix:
                        "sysctl -w net.ipv4.tcp_mem=\"\(limits.low * 2) \(limits.pressure * 2) \(limits.high * 2)\"  # and smaller per-socket buffers (tcp_rmem/tcp_wmem) for idle connections"
                ))
        }

        // Sockets counted against a kernel limit: orphans are reset past it, TIME_WAIT destroyed.
        let gauges: [(code: String, tunable: String, now: Int?, limit: Int?, what: String, consequence: String)] = [
            (
                "tcp-orphans", "net.ipv4.tcp_max_orphans", stack.orphans, stack.maxOrphans, "orphaned TCP sockets",
                "past the limit the kernel resets them (\"too many orphaned sockets\")"
            ),
            (
                "time-wait-overflow", "net.ipv4.tcp_max_tw_buckets", stack.timeWait, stack.maxTimeWait, "sockets in TIME_WAIT",
                "past it the kernel destroys them early (\"time wait bucket table overflow\")"
            ),
        ]
        for gauge in gauges {
            guard let now = gauge.now, let limit = gauge.limit, limit > 0, Double(now) >= nearLimitShare * Double(limit) else { continue }
            found.append(
                Observation(
                    code: gauge.code, severity: now >= limit ? .critical : .warning, subject: gauge.tunable,
                    evidence: "\(NumberText.grouped(Double(now))) \(gauge.what) of the \(NumberText.grouped(Double(limit))) allowed: \(gauge.consequence)",
                    fix: "sysctl -w \(gauge.tunable)=\(limit * 4)"))
        }

        for process in stack.connectionManagers {
            guard let soft = process.openFilesSoft, soft < UInt64(process.connectionTarget) else { continue }
            let open = process.openDescriptors.map { "; it has \(NumberText.grouped(Double($0))) open now" } ?? ""
            found.append(
                Observation(
                    code: "cm-nofile-low", severity: (process.openDescriptors.map { Double($0) >= 0.9 * Double(soft) } ?? false) ? .critical : .warning,
                    subject: "pid \(process.pid) (\(process.name))",
                    evidence:
                        "\(process.name) (pid \(process.pid)) may open \(NumberText.grouped(Double(soft))) files but should hold \(NumberText.grouped(Double(process.connectionTarget))) connections\(open): each one is a descriptor, so accept() fails with EMFILE first",
                    fix:
                        "LimitNOFILE=\(max(process.connectionTarget * 2, 1_048_576)) in its systemd unit (systemctl edit <unit>), fs.nr_open at least as high: cmtune sysctl --apply --persist",
                    manualFix: "prlimit --pid \(process.pid) --nofile=\(max(process.connectionTarget * 2, 1_048_576))"))
        }
        return found
    }
}
