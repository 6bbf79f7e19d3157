/// Everything `cmtune nic` and `cmtune irq` show, read once from a root.
public struct HostInventory: Sendable, Equatable {
    public var root: String
    public var topology: CPUTopology
    public var interrupts: InterruptTable
    public var ownership: IRQOwnership
    /// /proc/irq/N settings of the IRQs read (all, or those of the selected interfaces).
    public var irqSettings: [Int: IRQSettings]
    public var interfaces: [InterfaceReport]
    /// `net.core.rps_sock_flow_entries`: the global RFS table size (0 = RFS off).
    public var rpsSockFlowEntries: Int?
    /// Problems met while reading; the inventory is still as complete as the rest allows.
    public var issues: [HostIssue]
    /// True in the initial network namespace, false in another (a container), nil when the root
    /// cannot tell (a tree without /proc/sys/net).
    public var isInitialNetworkNamespace: Bool?
    /// Devices known only from IRQ names that were left out: inside another network namespace
    /// /proc/interrupts still lists the host's vectors, whose devices are not this namespace's.
    public var otherNamespaceDevices: [String]

    /// Which interfaces to report.
    public enum Selection: Sendable, Equatable {
        /// Those with hardware behind them or more than one queue (veth with queues counts),
        /// plus devices known only from IRQ names. Loopback never.
        case withQueues
        /// Every interface, loopback and single-queue virtual ones too.
        case all
        /// Exactly these, in this order; an unknown name is an issue.
        case named([String])
    }

    /// Which network namespaces' devices to report when the root is not the initial namespace.
    public enum NamespaceScope: Sendable, Equatable {
        /// This namespace's interfaces only; devices known only from IRQ names (the host's) are
        /// left out and listed in `otherNamespaceDevices`.
        case current
        /// Those devices too, as in the initial namespace.
        case all
    }

    /// Which IRQs' /proc/irq/N settings to read.
    public enum IRQScope: Sendable, Equatable {
        case all
        case selectedInterfaces
    }

    public init(
        root: String, topology: CPUTopology, interrupts: InterruptTable, ownership: IRQOwnership, irqSettings: [Int: IRQSettings],
        interfaces: [InterfaceReport], rpsSockFlowEntries: Int?, issues: [HostIssue], isInitialNetworkNamespace: Bool? = nil,
        otherNamespaceDevices: [String] = []
    ) {
        self.root = root
        self.topology = topology
        self.interrupts = interrupts
        self.ownership = ownership
        self.irqSettings = irqSettings
        self.interfaces = interfaces
        self.rpsSockFlowEntries = rpsSockFlowEntries
        self.issues = issues
        self.isInitialNetworkNamespace = isInitialNetworkNamespace
        self.otherNamespaceDevices = otherNamespaceDevices
    }

    /// What was left out because this is not the initial network namespace, as a note for `nic`
    /// and an info finding for `diagnose`; nil when nothing was.
    public var namespaceNote: Observation? {
        guard !otherNamespaceDevices.isEmpty else { return nil }
        return Observation(
            code: "devices-of-other-namespace", severity: .info, subject: "network namespace",
            evidence:
                "not the initial network namespace: /proc/interrupts also lists the vectors of devices in another namespace, usually the host's (\(otherNamespaceDevices.joined(separator: ", "))); they are left out, and none is given to this namespace's interfaces",
            fix: "run on the host, or add --all-namespaces to show them")
    }

    /// Reads the inventory. Never throws: what cannot be read is an issue and stays unknown.
    ///
    /// `interfaceDetail` `.identity` skips each queue's RPS/RFS/XPS files, for a caller that
    /// shows IRQs but no queue steering (`cmtune irq`), `.steering` the files only JSON shows;
    /// `irqDetail` `.placement` the IRQ files only JSON shows. On a NIC with thousands of
    /// queues these are most of the files read.
    public static func read(
        from root: HostRoot, selection: Selection = .withQueues, irqScope: IRQScope = .selectedInterfaces,
        facts factsSource: (any DeviceFactsSource)? = nil, namespaces: NamespaceScope = .current,
        interfaceDetail: NetworkInterface.Detail = .full, irqDetail: IRQSettings.Detail = .full
    ) -> HostInventory {
        var issues: [HostIssue] = []
        let interrupts: InterruptTable
        do {
            interrupts = try InterruptTable.read(from: root)
        } catch {
            issues.append(HostIssue(error))
            interrupts = InterruptTable(cpus: [], lines: [])
        }
        issues.append(contentsOf: interrupts.issues)
        let topology = CPUTopology.read(from: root, fallbackOnline: CPUSet(interrupts.cpus), issues: &issues)
        // Every IRQ's settings are wanted (`cmtune irq`): read them on other threads while the
        // names are matched to devices below, which needs none of them.
        let debugfs = IRQSettings.debugfsPresent(root)
        let prefetched = irqScope == .all ? BackgroundWork { readSettings(interrupts.lines.map(\.irq), root: root, debugfs: debugfs, detail: irqDetail) } : nil

        var names: [String] = []
        do {
            names = try NetworkInterface.names(from: root)
        } catch {
            issues.append(HostIssue(error))
        }
        var identities = names.map { NetworkInterface.read(named: $0, from: root, detail: .identity, issues: &issues) }

        let wanted: Set<String>
        switch selection {
        case .all: wanted = Set(names)
        case .named(let requested): wanted = Set(requested)
        case .withQueues:
            wanted = Set(identities.filter { !$0.isLoopback && ($0.device != nil || $0.rxQueues.count > 1 || $0.txQueues.count > 1) }.map(\.name))
        }
        let known = Set(names)
        let initialNamespace = NetworkNamespace.isInitial(root)

        var facts: [String: DeviceFacts] = [:]
        for index in identities.indices where wanted.contains(identities[index].name) {
            if interfaceDetail != .identity {
                identities[index] = NetworkInterface.read(named: identities[index].name, from: root, detail: interfaceDetail, issues: &issues)
            }
            if let factsSource {
                let interface = identities[index]
                facts[interface.name] = factsSource.facts(interface: interface.name, ifindex: interface.ifindex ?? 0)
            }
        }

        let ownership = IRQOwnership(
            interrupts: interrupts, interfaces: identities, facts: facts, virtioDeviceTypes: virtioDeviceTypes(root: root, interrupts: interrupts))

        // Devices only IRQ names know about: a snapshot of /proc/interrupts alone, names that
        // refer to a PCI function or virtio device with no netdev here, or, in another network
        // namespace, the host's devices. A name that is also a local interface's (the
        // namespace's veth called eth0) is not one: that interface cannot own those IRQs.
        var unresolved: [String] = []
        var withQueueVectors = Set<String>()
        for irq in ownership.owners.keys.sorted() {
            for owner in ownership.owners(of: irq) where owner.interface == nil {
                let name = owner.reference.description
                if !unresolved.contains(name) { unresolved.append(name) }
                if owner.role.servesQueues { withQueueVectors.insert(name) }
            }
        }
        let hideOtherNamespaces = initialNamespace == false && namespaces == .current
        let inferred = hideOtherNamespaces ? [] : unresolved.filter { !known.contains($0) }
        let otherNamespaceDevices = hideOtherNamespaces ? unresolved : []
        var inferredOwnership = ownership
        if !inferred.isEmpty { inferredOwnership = ownership.assigningUnresolvedToReferences(named: Set(inferred)) }

        var selected: [(NetworkInterface, Bool)] = []
        switch selection {
        case .named(let requested):
            let byName = Dictionary(identities.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            for name in requested {
                if let interface = byName[name] {
                    selected.append((interface, false))
                } else if inferred.contains(name) {
                    selected.append((NetworkInterface(name: name), true))
                } else if otherNamespaceDevices.contains(name) {
                    issues.append(
                        HostIssue(
                            path: root.absolute("sys/class/net/\(name)"),
                            message: "no interface named '\(name)' in this network namespace; only the host's IRQ names mention it (--all-namespaces shows it)")
                    )
                } else {
                    issues.append(
                        HostIssue(
                            path: root.absolute("sys/class/net/\(name)"), message: "no interface named '\(name)' (known: \(names.joined(separator: ", ")))"))
                }
            }
        case .all, .withQueues:
            selected = identities.filter { wanted.contains($0.name) }.map { ($0, false) }
            selected += inferred.filter(withQueueVectors.contains).map { (NetworkInterface(name: $0), true) }
        }

        var settingsIRQs: [Int]
        switch irqScope {
        case .all: settingsIRQs = interrupts.lines.map(\.irq)
        case .selectedInterfaces: settingsIRQs = selected.flatMap { inferredOwnership.irqs(of: $0.0.name) }
        }
        settingsIRQs = Array(Set(settingsIRQs)).sorted()
        var settings: [Int: IRQSettings] = [:]
        let read = prefetched?.wait() ?? readSettings(settingsIRQs, root: root, debugfs: debugfs, detail: irqDetail)
        settings.reserveCapacity(read.count)
        for (value, found) in read {
            settings[value.irq] = value
            issues += found
        }

        let rpsSockFlowEntries = SysfsReader(root: root).integer("proc/sys/net/core/rps_sock_flow_entries", issues: &issues)

        var reports: [InterfaceReport] = []
        for (interface, isInferred) in selected {
            var report = InterfaceReport.build(
                interface: interface, inferred: isInferred, ownership: inferredOwnership, interrupts: interrupts, settings: settings,
                facts: facts[interface.name])
            report.observations = InterfaceChecks.observe(report, topology: topology, rpsSockFlowEntries: rpsSockFlowEntries)
            reports.append(report)
        }

        issues += InventoryValidation.issues(
            reports: reports, settings: settings, topology: topology, ownership: ownership, interrupts: interrupts, root: root)

        return HostInventory(
            root: root.path, topology: topology, interrupts: interrupts, ownership: ownership, irqSettings: settings, interfaces: reports,
            rpsSockFlowEntries: rpsSockFlowEntries, issues: issues, isInitialNetworkNamespace: initialNamespace,
            otherNamespaceDevices: otherNamespaceDevices)
    }
}

/// The settings of `irqs`, with what went wrong reading each, on every CPU.
private func readSettings(_ irqs: [Int], root: HostRoot, debugfs: Bool, detail: IRQSettings.Detail) -> [(IRQSettings, [HostIssue])] {
    ParallelMap.map(irqs) { irq in
        var found: [HostIssue] = []
        return (IRQSettings.read(irq: irq, from: root, debugfs: debugfs, detail: detail, issues: &found), found)
    }
}

/// The virtio device id of each `virtioN` named in /proc/interrupts (1 net, 2 block, 19 vsock),
/// from /sys/bus/virtio/devices/virtioN/device; absent in trees without sysfs.
private func virtioDeviceTypes(root: HostRoot, interrupts: InterruptTable) -> [String: Int] {
    var names = Set<String>()
    for line in interrupts.lines {
        for action in line.actions where action.hasPrefix("virtio") {
            let digits = action.dropFirst(6).prefix { $0.isASCII && $0.isNumber }
            if !digits.isEmpty { names.insert("virtio" + digits) }
        }
    }
    var types: [String: Int] = [:]
    for name in names {
        guard let text = try? root.readIfPresent("sys/bus/virtio/devices/\(name)/device") else { continue }
        let hex = text.hasPrefix("0x") ? String(text.dropFirst(2)) : text
        if let type = Int(hex, radix: 16) { types[name] = type }
    }
    return types
}

extension IRQOwnership {
    /// The same ownership with each unresolved owner whose reference is one of `names` assigned
    /// to a pseudo-interface named after it, so devices known only from IRQ names can be
    /// reported like NICs.
    func assigningUnresolvedToReferences(named names: Set<String>) -> IRQOwnership {
        var copy = self
        copy.mapOwners { owner in
            guard owner.interface == nil, names.contains(owner.reference.description) else { return owner }
            var assigned = owner
            assigned.interface = owner.reference.description
            return assigned
        }
        return copy
    }
}
