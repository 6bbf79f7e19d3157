/// Where an IRQ may fire and where it actually does, from /proc/irq/N.
///
/// On x86 a multi-CPU `smp_affinity` is delivered to one CPU of the mask; only
/// `effective_affinity_list` tells which, so it is read and shown beside the requested mask.
public struct IRQSettings: Sendable, Equatable {
    public var irq: Int
    /// `smp_affinity_list`: the CPUs the IRQ is allowed on.
    public var affinity: CPUSet?
    /// `effective_affinity_list`: the CPUs the interrupt controller really targets.
    public var effectiveAffinity: CPUSet?
    /// `affinity_hint`: the driver's suggestion (irqbalance honours it).
    public var affinityHint: CPUSet?
    /// `node`: the NUMA node the IRQ's memory was allocated on; nil when -1 or unknown.
    public var node: Int?
    /// Kernel-managed affinity (writes fail with EIO). Only debugfs says so; nil when unknown.
    public var managed: Bool?

    public init(
        irq: Int, affinity: CPUSet? = nil, effectiveAffinity: CPUSet? = nil, affinityHint: CPUSet? = nil, node: Int? = nil,
        managed: Bool? = nil
    ) {
        self.irq = irq
        self.affinity = affinity
        self.effectiveAffinity = effectiveAffinity
        self.affinityHint = affinityHint
        self.node = node
        self.managed = managed
    }

    /// Reads /proc/irq/N. Files that are absent (a partial snapshot, an old kernel) stay nil;
    /// unreadable or malformed ones are reported. `debugfs` false skips the debugfs file that
    /// tells managed affinity, known to be absent (see `debugfsPresent`).
    /// How much to read: `placement` (where it may and does fire, managed or not) is what the
    /// tables show; `full` adds the driver's hint and the memory node, which only JSON carries.
    /// On a host with tens of thousands of IRQs that halves the files opened.
    public enum Detail: Sendable { case placement, full }

    public static func read(irq: Int, from root: HostRoot, debugfs: Bool = true, detail: Detail = .full, issues: inout [HostIssue]) -> IRQSettings {
        let base = "proc/irq/\(irq)"
        func text(_ name: String) -> String? {
            do {
                return try root.readIfPresent("\(base)/\(name)")
            } catch {
                issues.append(HostIssue(error))
                return nil
            }
        }
        func set(_ name: String, mask: Bool) -> CPUSet? {
            guard let value = text(name) else { return nil }
            do {
                return mask ? try CPUSet(parsingMask: value) : try CPUSet(parsingList: value)
            } catch {
                issues.append(HostIssue(path: root.absolute("\(base)/\(name)"), message: error.description))
                return nil
            }
        }
        var settings = IRQSettings(irq: irq)
        settings.affinity = set("smp_affinity_list", mask: false)
        settings.effectiveAffinity = set("effective_affinity_list", mask: false)
        if detail == .full {
            if let hint = set("affinity_hint", mask: true), !hint.isEmpty { settings.affinityHint = hint }
            if let node = text("node").flatMap({ Int($0) }), node >= 0 { settings.node = node }
        }
        if debugfs, let debug = try? root.readIfPresent("sys/kernel/debug/irq/irqs/\(irq)") {
            settings.managed = debug.contains("AFFINITY_MANAGED")
        }
        return settings
    }

    /// Whether the root has debugfs's per-IRQ files at all: without root or debugfs mounted it has
    /// not, and one look saves a failed open per IRQ (tens of thousands on a large host).
    public static func debugfsPresent(_ root: HostRoot) -> Bool {
        root.exists("sys/kernel/debug/irq/irqs")
    }
}
