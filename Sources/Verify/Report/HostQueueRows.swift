import HostKit

/// The host's NIC queues as `cmtune nic` reads them: IRQ, where it fires, RPS and XPS.
extension VerifyReport.QueueRow {
    public static func rows(of inventory: HostInventory) -> [VerifyReport.QueueRow] {
        inventory.interfaces.flatMap { report in
            report.queues.map { queue in
                VerifyReport.QueueRow(
                    interface: report.name, queue: queue.label, irq: queue.irq,
                    irqAffinity: (queue.settings?.effectiveAffinity ?? queue.settings?.affinity)?.listString,
                    rpsCPUs: queue.rpsCPUs.map(steering), xpsCPUs: queue.xpsCPUs.map(steering))
            }
        }
    }

    /// An empty steering mask means the feature is off, as `cmtune nic` says it.
    private static func steering(_ cpus: CPUSet) -> String {
        cpus.isEmpty ? "off" : cpus.listString
    }
}
