/// `/proc/interrupts`, read by its `CPUn` header.
///
/// The file has one column per *online* CPU, so after a CPU goes offline column 3 may be CPU 5;
/// counts are kept aligned with `cpus`, never with column positions.
public struct InterruptTable: Sendable, Equatable {
    /// CPU id of each count column, in file order.
    public var cpus: [Int]
    /// Numbered IRQ lines, in file order.
    public var lines: [InterruptLine]
    /// Per-CPU architecture counters (NMI, LOC, RES, ...), which have names instead of numbers.
    public var counters: [InterruptCounter]
    /// Lines that could not be read, with their line numbers; the rest of the table is good.
    public var issues: [HostIssue]

    public init(cpus: [Int], lines: [InterruptLine], counters: [InterruptCounter] = [], issues: [HostIssue] = []) {
        self.cpus = cpus
        self.lines = lines
        self.counters = counters
        self.issues = issues
    }

    public func line(irq: Int) -> InterruptLine? {
        lines.first { $0.irq == irq }
    }

    /// The count of `irq` on `cpu`, or nil when the CPU has no column (offline).
    public func count(irq: Int, cpu: Int) -> UInt64? {
        guard let column = cpus.firstIndex(of: cpu), let line = line(irq: irq) else { return nil }
        return line.counts[column]
    }
}

/// One numbered IRQ: its per-CPU counts, the chip and trigger the kernel reports, and the
/// names of the handlers registered on it (several when the line is shared).
public struct InterruptLine: Sendable, Equatable {
    public var irq: Int
    /// Counts aligned with `InterruptTable.cpus`.
    public var counts: [UInt64]
    /// The interrupt chip: `IR-PCI-MSI`, `PCI-MSIX-0000:00:03.0`, `IO-APIC`.
    public var chip: String
    /// The hardware IRQ number in the chip's domain, when the kernel prints one.
    public var hardwareIRQ: String?
    /// The flow handler or trigger: `edge`, `fasteoi`, `Level`.
    public var trigger: String?
    /// The handlers' names; a shared legacy line has several (`uhci_hcd:usb1, eth0, eth1`).
    public var actions: [String]

    public init(irq: Int, counts: [UInt64], chip: String, hardwareIRQ: String? = nil, trigger: String? = nil, actions: [String]) {
        self.irq = irq
        self.counts = counts
        self.chip = chip
        self.hardwareIRQ = hardwareIRQ
        self.trigger = trigger
        self.actions = actions
    }

    /// The name as /proc/interrupts shows it.
    public var name: String { actions.joined(separator: ", ") }

    public var total: UInt64 { counts.reduce(0, &+) }
}

/// A named per-CPU row such as `LOC: ... Local timer interrupts`.
public struct InterruptCounter: Sendable, Equatable {
    public var name: String
    public var counts: [UInt64]
    public var description: String

    public init(name: String, counts: [UInt64], description: String) {
        self.name = name
        self.counts = counts
        self.description = description
    }
}
