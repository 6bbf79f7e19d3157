/// Problems in what was read that the user must hear about on stderr (and exit status 1),
/// not only as an observation: values that contradict the machine, devices whose IRQs cmtune
/// cannot place, netlink calls that failed.
enum InventoryValidation {
    static func issues(
        reports: [InterfaceReport], settings: [Int: IRQSettings], topology: CPUTopology, ownership: IRQOwnership,
        interrupts: InterruptTable, root: HostRoot
    ) -> [HostIssue] {
        var found: [HostIssue] = []
        let possible = topology.possible.union(topology.online)

        // Masks wider than the machine: a hand-edited snapshot, a tool that wrote the wrong width.
        func check(_ set: CPUSet?, _ path: String) {
            guard !possible.isEmpty, let set, !set.isSubset(of: possible) else { return }
            found.append(
                HostIssue(
                    path: root.absolute(path),
                    message: "names CPUs \(set.subtracting(possible).listString), beyond this host's CPUs \(possible.listString)"))
        }
        for irq in settings.keys.sorted() {
            check(settings[irq]?.affinity, "proc/irq/\(irq)/smp_affinity_list")
            check(settings[irq]?.effectiveAffinity, "proc/irq/\(irq)/effective_affinity_list")
        }
        for report in reports where !report.inferredFromIRQNames {
            let queues = "sys/class/net/\(report.name)/queues"
            for queue in report.interface.rxQueues { check(queue.rpsCPUs, "\(queues)/rx-\(queue.index)/rps_cpus") }
            for queue in report.interface.txQueues { check(queue.xpsCPUs, "\(queues)/tx-\(queue.index)/xps_cpus") }
        }

        for report in reports {
            // A driver whose IRQ names follow no scheme cmtune knows: the queues stay unmapped.
            if let device = report.interface.device, !device.msiIRQs.isEmpty,
                !report.queues.contains(where: { $0.irq != nil })
            {
                let names = device.msiIRQs.prefix(4).map { irq in "\(irq) \(InputQuote.quoted(interrupts.line(irq: irq)?.name ?? "?"))" }
                found.append(
                    HostIssue(
                        path: root.absolute("sys/class/net/\(report.name)/device/msi_irqs"),
                        message:
                            "driver \(device.driver ?? "unknown") names its IRQs in a way cmtune does not know (\(names.joined(separator: ", "))); queue IRQs of \(report.name) are unknown"
                    ))
            }
            // Netlink calls that failed (not merely unsupported by the driver).
            guard let facts = report.facts else { continue }
            let failures: [DeviceQueryFailure?] = [
                facts.channels.failure, facts.rings.failure, facts.coalescing.failure, facts.rss.failure, facts.queues.failure, facts.napis.failure,
            ]
            for failure in failures.compactMap({ $0 }) {
                found.append(HostIssue(path: failure.call, message: failure.detail))
            }
        }
        return found
    }
}

extension DeviceQuery {
    public var failure: DeviceQueryFailure? {
        if case .failed(let failure) = self { return failure }
        return nil
    }
}
