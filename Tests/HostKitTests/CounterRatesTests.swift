import CMTuneTestSupport
import HostKit
import Testing

/// Rates from the real time series under Fixtures/proc-series (five readings, one second apart,
/// from netutils-linux's test data) and from samples built to break the arithmetic.
@Suite("Counter rates")
struct CounterRatesTests {
    static func series(_ name: String, _ file: String, _ index: Int) -> String {
        RealHosts.file("../proc-series/\(name)", "\(file).\(index)")!
    }

    static func sample(time: Double, online: CPUSet, softirqs: String? = nil, softnet: String? = nil, interrupts: String? = nil, stat: String? = nil)
        -> CounterSample
    {
        CounterSample(
            time: time, online: online, cpuTimes: stat.map { CPUTimes(parsing: $0) }, softirqs: softirqs.map { SoftIRQCounters(parsing: $0) },
            interrupts: interrupts.map { InterruptTable(parsing: Array($0.utf8)) }, softnet: softnet.map { SoftnetStat(parsing: $0, online: online) })
    }

    @Test("NET_RX per second per CPU from the i7 softirq series")
    func softirqSeries() throws {
        let first = Self.sample(time: 0, online: CPUSet(0..<8), softirqs: Self.series("softirqs-i7", "softirqs", 1))
        let second = Self.sample(time: 1, online: CPUSet(0..<8), softirqs: Self.series("softirqs-i7", "softirqs", 2))
        #expect(first.softirqs?.issues.isEmpty == true)
        let rates = CounterRates(from: first, to: second)
        #expect(rates.cpu(0)?.netRX == Double(1_180_153_489 - 1_180_153_410 as Int))
        #expect(rates.cpu(1)?.netRX == Double(1_833_080_731 - 1_833_061_539 as Int))
        #expect(rates.cpu(3)?.netRX == 0)
        #expect(rates.cpu(0)?.netTX != nil)
        // Over four seconds the rate is the average.
        let fifth = Self.sample(time: 4, online: CPUSet(0..<8), softirqs: Self.series("softirqs-i7", "softirqs", 5))
        #expect(CounterRates(from: first, to: fifth).cpu(1)?.netRX == Double(1_833_119_266 - 1_833_061_539) / 4)
    }

    @Test("the dual-core series lists four possible CPUs; columns follow the header")
    func dualCore() {
        let first = Self.sample(time: 0, online: CPUSet(0..<2), softirqs: Self.series("softirqs-dualcore", "softirqs", 1))
        let second = Self.sample(time: 1, online: CPUSet(0..<2), softirqs: Self.series("softirqs-dualcore", "softirqs", 2))
        let rates = CounterRates(from: first, to: second)
        #expect(rates.cpu(0)?.netRX == 343)
        #expect(rates.cpu(1)?.netRX == 415)
        #expect(rates.cpus.map(\.cpu) == [0, 1])
    }

    @Test("softnet_stat without a CPU column maps rows to the online CPUs in order")
    func softnetSeries() throws {
        let first = Self.sample(time: 0, online: CPUSet(0..<8), softnet: Self.series("softnet_stat", "softnet_stat", 1))
        let second = Self.sample(time: 1, online: CPUSet(0..<8), softnet: Self.series("softnet_stat", "softnet_stat", 2))
        #expect(first.softnet?.hadCPUColumn == false)
        #expect(first.softnet?.issues.isEmpty == true)
        let rates = CounterRates(from: first, to: second)
        #expect(rates.cpu(1)?.processed == Double(0x0596_3aa8 - 0x0596_3a92))
        #expect(rates.cpu(1)?.dropped == 0)
        #expect(rates.cpu(1)?.squeezed == 0)
        // The same rows on a host where CPU 1 is offline belong to CPUs 0, 2, 3, ...
        let shifted = SoftnetStat(parsing: Self.series("softnet_stat", "softnet_stat", 1), online: try CPUSet(parsingList: "0,2-8"))
        #expect(shifted.cpus[2]?.processed == 0x0596_3a92)
    }

    @Test("a modern softnet_stat row names its CPU in column 13")
    func softnetCPUColumn() {
        let text = """
            000005e0 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
            00000822 00000003 00000007 00000000 00000000 00000000 00000000 00000000 00000000 00000011 00000000 00000000 00000005 00000000 00000000

            """
        let stat = SoftnetStat(parsing: text, online: [0, 1])
        #expect(stat.hadCPUColumn)
        #expect(stat.cpus[5]?.processed == 0x822)
        #expect(stat.cpus[5]?.dropped == 3)
        #expect(stat.cpus[5]?.timeSqueeze == 7)
        #expect(stat.cpus[5]?.receivedRPS == 0x11)
        #expect(stat.issues.isEmpty)
    }

    @Test("hard IRQ rates of the single-queue 8-CPU series land on CPU 0")
    func interruptSeries() {
        let first = Self.sample(time: 0, online: CPUSet(0..<8), interrupts: Self.series("singlequeue_8cpu", "interrupts", 1))
        let second = Self.sample(time: 1, online: CPUSet(0..<8), interrupts: Self.series("singlequeue_8cpu", "interrupts", 2))
        let rates = CounterRates(from: first, to: second)
        #expect(rates.irqs[17] == Double(825_701_358 - 825_698_509 as Int))
        #expect(rates.irqsPerCPU[17]?[0] == Double(825_701_358 - 825_698_509 as Int))
        #expect(rates.irqsPerCPU[17]?[3] == 0)
        #expect((rates.cpu(0)?.interrupts ?? 0) >= 2849)
    }

    @Test("32-bit counters that wrap give the true difference; other decreases give no rate")
    func wrap() {
        #expect(CounterRates.delta(from: 4_294_967_290, to: 5, wraps32: true) == 11)
        #expect(CounterRates.delta(from: 10, to: 3, wraps32: false) == nil)
        #expect(CounterRates.delta(from: 5_000_000_000, to: 3, wraps32: true) == nil)
        let header = "           CPU0\n"
        let first = Self.sample(time: 0, online: [0], interrupts: header + " 30: 4294967290  IR-PCI-MSI 1-edge eth0-TxRx-0\n")
        let second = Self.sample(time: 2, online: [0], interrupts: header + " 30: 20  IR-PCI-MSI 1-edge eth0-TxRx-0\n")
        #expect(CounterRates(from: first, to: second).irqs[30] == 13)
    }

    @Test("utilisation percentages come from /proc/stat tick deltas, rows by CPU id in any order")
    func utilisation() {
        let first = Self.sample(
            time: 0, online: CPUSet(0..<2),
            stat: "cpu  0 0 0 0\ncpu1 100 0 100 800 0 0 0 0 0 0\ncpu0 0 0 0 1000 0 0 0 0 0 0\nintr 5\n")
        let second = Self.sample(
            time: 1, online: CPUSet(0..<2),
            stat: "cpu  0 0 0 0\ncpu0 0 0 5 1005 0 0 90 0 0 0\ncpu1 150 0 120 830 0 0 0 0 0 0\n")
        let rates = CounterRates(from: first, to: second)
        #expect(rates.cpu(0)?.softirq == 90)
        #expect(rates.cpu(0)?.system == 5)
        #expect(rates.cpu(0)?.idle == 5)
        #expect(rates.cpu(0)?.busy == 95)
        #expect(rates.cpu(1)?.user == 50)
        #expect(rates.cpu(1)?.idle == 30)
    }

    @Test("a CPU hot-unplugged between samples gets no rates and a note; the others still do")
    func hotUnplug() {
        let first = Self.sample(
            time: 0, online: CPUSet(0..<3), softirqs: "  CPU0 CPU1 CPU2\nNET_RX: 10 20 30\n",
            stat: "cpu0 0 0 0 100\ncpu1 0 0 0 100\ncpu2 0 0 0 100\n")
        let second = Self.sample(
            time: 1, online: [0, 2], softirqs: "  CPU0 CPU1 CPU2\nNET_RX: 15 20 90\n", stat: "cpu0 0 0 10 190\ncpu2 0 0 0 200\n")
        let rates = CounterRates(from: first, to: second)
        #expect(rates.cpus.map(\.cpu) == [0, 2])
        #expect(rates.cpu(2)?.netRX == 60)
        #expect(rates.notes == ["CPUs 1 went offline or online between samples; they have no rates"])
    }

    @Test("truncated and malformed lines are reported with their line and skipped")
    func truncated() {
        let stat = CPUTimes(parsing: "cpu  1 2 3 4\ncpu0 1 2 3 4 5 6 7 8\ncpu1 1 2\ncpuX 1 2 3 4\n")
        #expect(stat.cpus.keys.sorted() == [0])
        #expect(stat.issues.map(\.line) == [3, 4])
        let softirqs = SoftIRQCounters(parsing: "  CPU0 CPU1\nNET_RX: 1 2\nNET_TX: 1\nBROKEN\n")
        #expect(softirqs.counts.keys.sorted() == ["NET_RX"])
        #expect(softirqs.issues.count == 2)
        let softnet = SoftnetStat(parsing: "00000001 00000000 00000000\nzz\n", online: [0, 1])
        #expect(softnet.cpus[0]?.processed == 1)
        #expect(softnet.issues.count == 2)  // the bad line, and rows no longer matching the CPUs
        #expect(CPUTimes(parsing: "").issues.first?.message == "no per-CPU lines (cpuN) found")
    }

    @Test("a snapshot's averages since boot come from an all-zero baseline")
    func sinceBoot() {
        let sample = Self.sample(time: 1000, online: CPUSet(0..<2), softirqs: "  CPU0 CPU1\nNET_RX: 9000 1000\n", stat: "cpu0 0 0 0 100\ncpu1 0 0 50 50\n")
        let rates = CounterRates(from: CounterSample.bootBaseline(for: sample, uptime: 100), to: sample)
        #expect(rates.seconds == 100)
        #expect(rates.cpu(0)?.netRX == 90)
        #expect(rates.cpu(1)?.system == 50)
    }

    @Test("a sample read from a tree without counters says what is missing, and reads the rest")
    func missingCounters() {
        let tree = FixtureTree()
        tree.write("proc/softirqs", "  CPU0\nNET_RX: 5\n")
        let sample = CounterSample.read(from: tree.root, time: 1)
        #expect(sample.cpuTimes == nil)
        #expect(sample.softirqs?.count("NET_RX", cpu: 0) == 5)
        let messages = sample.issues.map(\.description)
        #expect(messages.contains("\(tree.path)/proc/stat: missing: CPU utilisation unknown"))
        #expect(messages.contains { $0.hasPrefix("\(tree.path)/proc/interrupts: cannot read") })
    }
}
