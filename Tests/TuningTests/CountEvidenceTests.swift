import CMTuneTestSupport
import HostKit
import Testing
import Tuning

/// diagnose judges from the interrupt counts of real servers' /proc/interrupts, with or without
/// the affinity files, and says what it could not check.
@Suite("Diagnosis from interrupt counts")
struct CountEvidenceTests {
    static func diagnose(_ tree: FixtureTree, checksNotRun: [String] = []) -> Diagnosis {
        let inventory = HostInventory.read(from: tree.root, selection: .all)
        return Diagnosis(inventory: inventory, rates: nil, sysctls: [:], irqbalance: [], checksNotRun: checksNotRun)
    }

    @Test(
        "real hosts whose queue IRQs all fired on CPU 0, copied as proc/interrupts only: CRITICAL with the counts",
        arguments: [
            ("2xE5-2640.i350_and_82599ES.l2_mixed.masterconf", "eth0", 8), ("ixgbe.E5645", "eth0", 8), ("igb.E5606", "eth1", 4),
        ])
    func interruptsOnly(host: String, interface: String, queues: Int) throws {
        let diagnosis = Self.diagnose(RealHosts.interruptsOnlyTree(host))
        #expect(diagnosis.verdict == .critical)
        #expect(diagnosis.basis == .staticCopy)
        let finding = try #require(diagnosis.findings.first { $0.code == "irqs-on-one-cpu" && $0.subject == interface })
        #expect(finding.severity == .critical)
        #expect(finding.evidence.hasPrefix("all \(queues) receive queue IRQs of \(interface) fired on CPU 0 since boot: "))
        #expect(finding.fix == "cmtune spread \(interface)")
    }

    @Test("the same with the affinity files of an old kernel (wide masks, no effective_affinity_list): the counts still decide")
    func oldKernelAffinity() throws {
        let tree = RealHosts.interruptsOnlyTree("ixgbe.E5645")
        let table = try InterruptTable.read(from: tree.root)
        for line in table.lines { tree.write("proc/irq/\(line.irq)/smp_affinity_list", "0-11") }
        let diagnosis = Self.diagnose(tree)
        let finding = try #require(diagnosis.findings.first { $0.code == "irqs-on-one-cpu" && $0.subject == "eth0" })
        #expect(finding.evidence.contains("their affinity allows CPUs 0-11, yet every interrupt went to CPU 0"))
        #expect(finding.severity == .critical)
        #expect(diagnosis.verdict == .critical)
        // A mask that leaves CPU 0 out now means they were moved after those counts: a warning.
        for line in table.lines { tree.write("proc/irq/\(line.irq)/smp_affinity_list", "4-11") }
        let moved = try #require(Self.diagnose(tree).findings.first { $0.code == "irqs-on-one-cpu" && $0.subject == "eth0" })
        #expect(moved.evidence.contains("the affinity files now send them to CPUs 4-11, so the IRQs may have moved since"))
        #expect(moved.severity == .warning)
    }

    @Test(
        "hosts whose queue IRQs are spread are not flagged by the counts",
        arguments: ["1xE3-1271.I217_and_X710.L2_mixed.masterconf", "2xX5650.BCM5709_and_MT27520.L2.manual"])
    func spreadHosts(host: String) {
        let diagnosis = Self.diagnose(RealHosts.interruptsOnlyTree(host))
        #expect(!diagnosis.findings.contains { $0.code == "irqs-on-one-cpu" }, "\(diagnosis.findings.map(\.evidence))")
    }

    @Test("one CPU taking most NIC queue interrupts across NICs, no NIC wholly on it, is named")
    func concentratedAcrossNICs() throws {
        var host = SyntheticHost.healthy()
        host.nics.removeLast()
        let tree = FixtureTree()
        host.write(to: tree)
        // Every NIC's queue 0 carries the traffic, and all queue 0 vectors sit on CPU 0.
        let inventory = HostInventory.read(from: tree.root)
        var rates = CounterRates(seconds: 5, cpus: (0..<8).map { CounterRates.CPURate(cpu: $0) })
        for report in inventory.interfaces {
            for queue in report.receiveQueues {
                guard let irq = queue.irq else { continue }
                rates.irqsPerCPU[irq] = queue.index == 0 ? [0: 20_000] : [queue.index + (report.name == "eth1" ? 4 : 0): 100]
            }
        }
        let diagnosis = Diagnosis(inventory: inventory, rates: rates, sysctls: [:], irqbalance: [])
        let finding = try #require(diagnosis.findings.first { $0.code == "nic-irqs-concentrated" })
        #expect(finding.subject == "CPU 0")
        #expect(finding.evidence.contains("CPU 0 took 99 % of all NIC queue interrupts over 5 s"))
        #expect(!diagnosis.findings.contains { $0.code == "irqs-on-one-cpu" })
    }

    @Test("a check that could not run makes the verdict UNKNOWN unless something critical was seen")
    func unknown() {
        let healthy = FixtureTree()
        SyntheticHost.healthy().write(to: healthy)
        #expect(Self.diagnose(healthy, checksNotRun: ["no interface named 'eth9' here"]).verdict == .unknown)
        #expect(Self.diagnose(healthy).verdict == .ok)
        let critical = RealHosts.interruptsOnlyTree("ixgbe.E5645")
        #expect(Self.diagnose(critical, checksNotRun: ["x could not be read"]).verdict == .critical)
        #expect(Self.diagnose(FixtureTree()).verdict == .unknown)
    }
}
