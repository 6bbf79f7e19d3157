import Synchronization

/// `/proc/interrupts`, read by its `CPUn` header.
///
/// The file has one column per *online* CPU, so after a CPU goes offline column 3 may be CPU 5;
/// counts are kept aligned with `cpus`, never with column positions.
public struct InterruptTable: Sendable, Equatable {
    /// CPU id of each count column, in file order.
    public var cpus: [Int]
    /// Numbered IRQ lines, in file order.
    public var lines: [InterruptLine] {
        // A new, empty index for every change; it is built again on the next lookup. (No
        // `oldValue` here, so appending still happens in place.)
        didSet { positions = LinePositions() }
    }
    /// Per-CPU architecture counters (NMI, LOC, RES, ...), which have names instead of numbers.
    public var counters: [InterruptCounter]
    /// Lines that could not be read, with their line numbers; the rest of the table is good.
    public var issues: [HostIssue]
    /// Where each IRQ's line is in `lines`: `line(irq:)` is asked once per queue, and a search
    /// through a host's tens of thousands of lines for each made `nic` and `irq` quadratic.
    private var positions = LinePositions()

    public init(cpus: [Int], lines: [InterruptLine], counters: [InterruptCounter] = [], issues: [HostIssue] = []) {
        self.cpus = cpus
        self.lines = lines
        self.counters = counters
        self.issues = issues
    }

    /// The line of `irq` (the first, should the table list it twice).
    public func line(irq: Int) -> InterruptLine? {
        positions.position(of: irq, in: lines).map { lines[$0] }
    }

    public static func == (left: InterruptTable, right: InterruptTable) -> Bool {
        left.cpus == right.cpus && left.lines == right.lines && left.counters == right.counters && left.issues == right.issues
    }

    /// The count of `irq` on `cpu`, or nil when the CPU has no column (offline).
    public func count(irq: Int, cpu: Int) -> UInt64? {
        guard let column = cpus.firstIndex(of: cpu), let line = line(irq: irq) else { return nil }
        return line.counts[column]
    }
}

/// The index of each IRQ number's first line, built on the first lookup after a change.
///
/// A reference type so that `line(irq:)` stays a non-mutating lookup on a value shared across
/// threads; every change to `lines` gets a fresh instance, so copies of a table never share a
/// stale index.
final class LinePositions: Sendable {
    private let index = Mutex<[Int: Int]?>(nil)

    func position(of irq: Int, in lines: [InterruptLine]) -> Int? {
        index.withLock { index in
            if let built = index { return built[irq] }
            var built: [Int: Int] = [:]
            built.reserveCapacity(lines.count)
            for (position, line) in lines.enumerated() where built[line.irq] == nil { built[line.irq] = position }
            index = built
            return built[irq]
        }
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
