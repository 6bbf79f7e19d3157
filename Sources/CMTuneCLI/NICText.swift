import HostKit

/// The human view of `cmtune nic`: one block per interface, a queue table, problems marked.
struct NICText {
    let console: Console

    func render(_ inventory: HostInventory) -> String {
        var lines: [String] = []
        let topology = inventory.topology
        var summary = "CPUs online \(topology.online.listString.ifEmpty("?"))"
        if topology.nodes.count > 1 {
            summary += ", NUMA " + topology.nodes.map { "node\($0.id) \($0.cpus.listString)" }.joined(separator: ", ")
        }
        if !topology.isolated.isEmpty { summary += ", isolated \(topology.isolated.listString)" }
        if !topology.nohzFull.isEmpty { summary += ", nohz_full \(topology.nohzFull.listString)" }
        if let entries = inventory.rpsSockFlowEntries { summary += ", rps_sock_flow_entries \(entries)" }
        if !inventory.root.isEmpty && inventory.root != "/" { summary += "  (root \(inventory.root))" }
        lines.append(console.paint(summary, .dim))
        if let note = inventory.namespaceNote { lines.append(console.paint("note: \(note.evidence) (--all-namespaces shows them)", .dim)) }
        if inventory.interfaces.isEmpty && inventory.issues.isEmpty {
            lines.append("no interfaces with queues found (use --all to list every interface)")
        }
        for report in inventory.interfaces {
            lines.append("")
            lines.append(contentsOf: block(report))
        }
        return lines.joined(separator: "\n")
    }

    private func block(_ report: InterfaceReport) -> [String] {
        var lines: [String] = [heading(report)]
        if let facts = report.facts {
            lines.append("  channels  " + describe(facts.channels, Format.channels))
            lines.append("  rings     " + describe(facts.rings, Format.rings))
            lines.append("  coalesce  " + describe(facts.coalescing, Format.coalescing))
            lines.append("  rss       " + describe(facts.rss, Format.rss))
        } else if !report.inferredFromIRQNames {
            lines.append(console.paint("  channels, rings, coalescing, RSS: unknown (no netlink facts for this root)", .dim))
        }
        if report.queues.isEmpty {
            lines.append("  no queues")
        } else {
            var table = TextTable([
                ("QUEUE", .left), ("IRQ", .right), ("NAME", .left), ("FROM", .left), ("AFFINITY", .left), ("EFFECTIVE", .left),
                ("INTERRUPTS", .right), ("RPS", .left), ("RFS", .right), ("XPS", .left),
            ])
            let collapsed = report.observations.contains { $0.code == "irqs-on-one-cpu" }
            for queue in report.queues {
                let effective = queue.settings?.effectiveAffinity.map(\.listString) ?? "?"
                table.add(styled: [
                    .init(text: queue.label, style: nil),
                    .init(text: queue.irq.map(String.init) ?? "-", style: nil),
                    .init(text: (queue.irqName ?? "") + (queue.irqShared ? " (shared)" : ""), style: nil),
                    .init(text: queue.irqSource?.rawValue ?? "", style: .dim),
                    .init(text: queue.irq == nil ? "" : queue.settings?.affinity.map(\.listString) ?? "?", style: nil),
                    .init(text: queue.irq == nil ? "" : effective, style: collapsed && queue.kind != .tx ? .red : nil),
                    .init(text: queue.interruptCount.map(String.init) ?? "", style: nil),
                    .init(text: queue.kind == .tx ? "" : Format.steering(queue.rpsCPUs), style: nil),
                    .init(text: queue.kind == .tx ? "" : queue.rpsFlowCount.map(String.init) ?? "?", style: nil),
                    .init(text: queue.kind == .rx ? "" : Format.steering(queue.xpsCPUs), style: nil),
                ])
            }
            lines.append(contentsOf: table.render(console: console, indent: "  "))
        }
        if !report.otherIRQs.isEmpty {
            let others = report.otherIRQs.map { other in
                "\(other.irq) \(other.name) (\(other.role.label)) on \(other.settings?.effectiveAffinity?.listString ?? other.settings?.affinity?.listString ?? "?")"
            }
            lines.append(console.paint("  other IRQs: " + others.joined(separator: "; "), .dim))
        }
        for observation in report.observations.sorted(by: { $0.severity > $1.severity }) {
            let marker: String
            switch observation.severity {
            case .critical: marker = console.paint("!! \(observation.code)", .red)
            case .warning: marker = console.paint("!  \(observation.code)", .yellow)
            case .info: marker = console.paint("i  \(observation.code)", .cyan)
            }
            var line = "  \(marker): \(observation.evidence)"
            if let fix = observation.fix, !fix.isEmpty { line += "\n     fix: \(fix)" }
            if let manual = observation.manualFix, !manual.isEmpty {
                // Long per-queue command lists: the first few here, all of them in --json.
                let commands = manual.split(separator: "; ")
                let shown = commands.prefix(3).joined(separator: "; ")
                line += "\n     by hand: \(shown)" + (commands.count > 3 ? "; ... (\(commands.count - 3) more, see --json)" : "")
            }
            lines.append(line)
        }
        return lines
    }

    private func heading(_ report: InterfaceReport) -> String {
        let interface = report.interface
        var parts = [console.paint(interface.name, .bold)]
        if report.inferredFromIRQNames {
            parts.append("no such interface in /sys/class/net; known from its IRQ names (\(report.irqScheme ?? "?") scheme)")
            return parts.joined(separator: "  ")
        }
        if let device = interface.device {
            parts.append(device.driver ?? "driver ?")
            var attachment = device.bus.map { "\($0) \(device.busID)" } ?? device.busID
            if let pci = device.pciAddress, pci != device.busID { attachment += " on pci \(pci)" }
            parts.append(attachment)
            parts.append("NUMA \(device.numaNode.map(String.init) ?? "-")")
            parts.append("local CPUs \(device.localCPUs?.listString ?? "?")")
        } else {
            parts.append(interface.isLoopback ? "loopback" : "virtual")
        }
        if let state = interface.operState { parts.append(state) }
        if let mtu = interface.mtu { parts.append("mtu \(mtu)") }
        parts.append("\(interface.rxQueues.count) rx / \(interface.txQueues.count) tx queues")
        return parts.joined(separator: "  ")
    }

    private func describe<Value>(_ query: DeviceQuery<Value>, _ format: (Value) -> String) -> String {
        switch query {
        case .value(let value): return format(value)
        case .notSupported: return console.paint("not supported", .dim)
        case .failed(let failure): return console.paint("unknown: \(failure.description)", .yellow)
        }
    }
}

/// Text forms shared by the tables.
enum Format {
    /// RPS/XPS masks: `-` when off (empty), `?` when unknown.
    static func steering(_ set: CPUSet?) -> String {
        guard let set else { return "?" }
        return set.isEmpty ? "-" : set.listString
    }

    static func channels(_ channels: ChannelCounts) -> String {
        let kinds: [(String, UInt32?, UInt32?)] = [
            ("rx", channels.rx, channels.maxRx), ("tx", channels.tx, channels.maxTx), ("other", channels.other, channels.maxOther),
            ("combined", channels.combined, channels.maxCombined),
        ]
        let shown = kinds.filter { ($0.2 ?? 0) > 0 || ($0.1 ?? 0) > 0 }
        guard !shown.isEmpty else { return "none reported" }
        return shown.map { "\($0.0) \($0.1.map(String.init) ?? "?")/\($0.2.map(String.init) ?? "?")" }.joined(separator: "  ") + "  (current/max)"
    }

    static func rings(_ rings: RingSizes) -> String {
        var parts: [String] = []
        if rings.rx != nil || rings.maxRx != nil { parts.append("rx \(rings.rx.map(String.init) ?? "?")/\(rings.maxRx.map(String.init) ?? "?")") }
        if rings.tx != nil || rings.maxTx != nil { parts.append("tx \(rings.tx.map(String.init) ?? "?")/\(rings.maxTx.map(String.init) ?? "?")") }
        if let jumbo = rings.maxRxJumbo, jumbo > 0 { parts.append("rx-jumbo \(rings.rxJumbo.map(String.init) ?? "?")/\(jumbo)") }
        if let mini = rings.maxRxMini, mini > 0 { parts.append("rx-mini \(rings.rxMini.map(String.init) ?? "?")/\(mini)") }
        return parts.isEmpty ? "none reported" : parts.joined(separator: "  ") + "  (current/max)"
    }

    static func coalescing(_ coalescing: Coalescing) -> String {
        var parts: [String] = []
        func add(_ name: String, _ value: UInt32?) { if let value { parts.append("\(name) \(value)") } }
        func add(_ name: String, _ value: Bool?) { if let value { parts.append("\(name) \(value ? "on" : "off")") } }
        add("adaptive-rx", coalescing.adaptiveRx)
        add("adaptive-tx", coalescing.adaptiveTx)
        add("rx-usecs", coalescing.rxUsecs)
        add("rx-frames", coalescing.rxMaxFrames)
        add("tx-usecs", coalescing.txUsecs)
        add("tx-frames", coalescing.txMaxFrames)
        return parts.isEmpty ? "none reported" : parts.joined(separator: "  ")
    }

    static func rss(_ rss: RSSConfiguration) -> String {
        var parts: [String] = []
        parts.append("hash \(rss.hashFunctions.isEmpty ? "?" : rss.hashFunctions.joined(separator: ","))")
        if !rss.indirectionTable.isEmpty {
            var weights: [UInt32: Int] = [:]
            for queue in rss.indirectionTable { weights[queue, default: 0] += 1 }
            let spread = weights.keys.sorted().map { "\($0):\(weights[$0]!)" }.joined(separator: " ")
            parts.append("indirection \(rss.indirectionTable.count) entries over \(weights.count) queues [\(spread)]")
        }
        if !rss.hashKey.isEmpty { parts.append("key \(hex(rss.hashKey))") }
        return parts.joined(separator: "  ")
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined(separator: ":")
    }
}

extension String {
    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
