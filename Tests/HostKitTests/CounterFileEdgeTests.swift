import CMTuneTestSupport
import HostKit
import Testing

/// Counter files from copies that went wrong: cut short mid-write, a count column too many,
/// counts beyond 64 bits, binary garbage. Each is reported with its path and line, left out,
/// and the rest of the file is still read.
@Suite("Counter files cut, widened or corrupt", .timeLimit(.minutes(1)))
struct CounterFileEdgeTests {
    static func interrupts(_ text: String) -> InterruptTable {
        InterruptTable(parsing: Array(text.utf8), path: "interrupts")
    }

    /// Every byte of a message is printable: no C0 control (ESC included), no DEL, valid UTF-8.
    static func isTerminalSafe(_ message: String) -> Bool {
        message.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7F } && !message.unicodeScalars.contains { (0x80..<0xA0).contains($0.value) }
    }

    // MARK: cut short

    @Test("/proc/interrupts cut in its last line: that line is reported by number and left out")
    func interruptsCutShort() throws {
        let whole = try #require(RealHosts.file("igb.E5606", "interrupts"))
        var lines = whole.split(separator: "\n", omittingEmptySubsequences: false).prefix(23).joined(separator: "\n")
        lines += "\n  60:    3474520          0       7671          0   PCI-MSI-edge      eth0-r"
        let table = Self.interrupts(lines)
        #expect(table.issues.map(\.description) == ["interrupts:24: line 24 is cut short: no newline at the end of the file"])
        #expect(table.line(irq: 60) == nil)
        #expect(table.line(irq: 59)?.actions == ["eth0-rx-1"])
        #expect(table.lines.count == 22)
    }

    @Test("a cut header is the only issue, not also 'no CPU header'")
    func interruptsCutHeader() {
        let table = Self.interrupts("           CPU0       CP")
        #expect(table.issues.map(\.description) == ["interrupts:1: line 1 is cut short: no newline at the end of the file"])
        #expect(table.cpus.isEmpty)
    }

    @Test("/proc/softirqs, /proc/stat and softnet_stat cut in their last line: reported by number, the rest read")
    func countersCutShort() {
        let softirqs = SoftIRQCounters(parsing: "   CPU0 CPU1\nNET_TX: 1 2\nNET_RX: 10 2", path: "softirqs")
        #expect(softirqs.issues.map(\.description) == ["softirqs:3: line 3 is cut short: no newline at the end of the file"])
        #expect(softirqs.count("NET_TX", cpu: 1) == 2)
        #expect(softirqs.count("NET_RX", cpu: 0) == nil)

        let stat = CPUTimes(parsing: "cpu  2 0 2 8\ncpu0 1 0 1 4\ncpu1 1 0 1 4", path: "stat")
        #expect(stat.issues.map(\.description) == ["stat:3: line 3 is cut short: no newline at the end of the file"])
        #expect(stat.cpus.keys.sorted() == [0])

        let softnet = SoftnetStat(parsing: "00000010 00000000 00000001\n00000020 00000000 0000", online: [0], path: "softnet_stat")
        #expect(softnet.issues.first?.description == "softnet_stat:2: line 2 is cut short: no newline at the end of the file")
        #expect(softnet.cpus[0]?.processed == 0x10)
        #expect(softnet.cpus.count == 1)
    }

    @Test("a counter sample reads the files whole, so a cut line in the tree is seen")
    func sampleSeesCutLines() {
        let tree = FixtureTree()
        tree.write("proc/softirqs", "   CPU0\nNET_RX: 5\nNET_TX: 1", newline: false)
        tree.write("proc/stat", "cpu  1 1 1 1\ncpu0 1 1 1 1\nintr 12", newline: false)
        tree.write("proc/interrupts", "           CPU0\n  30:          7  IR-PCI-MSI 1-edge      eth0-TxRx-0\n")
        let sample = CounterSample.read(from: tree.root)
        let messages = sample.issues.map(\.description)
        #expect(messages.contains("\(tree.path)/proc/softirqs:3: line 3 is cut short: no newline at the end of the file"))
        #expect(messages.contains("\(tree.path)/proc/stat:3: line 3 is cut short: no newline at the end of the file"))
        #expect(sample.softirqs?.count("NET_RX", cpu: 0) == 5)
        #expect(sample.cpuTimes?.cpus[0]?.idle == 1)
    }

    // MARK: column count

    @Test("an IRQ row with more counts than the header has CPUs is malformed, not a numeric chip")
    func extraCountColumn() {
        let header = "     " + (0..<8).map { "      CPU\($0)" }.joined() + "\n"
        let counts = { (n: Int) in (0..<n).map { _ in "          1" }.joined() }
        let table = Self.interrupts(
            header
                + "  56:\(counts(8))  IR-PCI-MSI 512000-edge      eth0\n"
                + "  57:\(counts(9))  IR-PCI-MSI 512001-edge      eth0-TxRx-0\n"
                + "  58:\(counts(8))  IR-PCI-MSI 512002-edge      eth0-TxRx-1\n"
                + "  59:\(counts(8))     GICv3  27 Level     arch_timer\n"
                + " LOC:\(counts(8))   Local timer interrupts\n")
        #expect(table.issues.map(\.description) == ["interrupts:3: IRQ 57: 9 count columns, the header names 8 CPUs"])
        #expect(table.lines.map(\.irq) == [56, 58, 59])
        #expect(table.line(irq: 56)?.chip == "IR-PCI-MSI")
        #expect(table.line(irq: 56)?.hardwareIRQ == "512000")
        #expect(table.line(irq: 58)?.actions == ["eth0-TxRx-1"])
        #expect(table.line(irq: 59)?.chip == "GICv3")
        #expect(table.line(irq: 59)?.hardwareIRQ == "27")
        #expect(table.line(irq: 59)?.trigger == "Level")
        #expect(table.counters.first?.counts.count == 8)
    }

    @Test("a softirq row with a count column too many or too few is reported, the others kept")
    func softirqColumns() {
        let softirqs = SoftIRQCounters(parsing: "   CPU0 CPU1\nHI: 1 2\nNET_RX: 1 2 3\nNET_TX: 4\n", path: "softirqs")
        #expect(
            softirqs.issues.map(\.description) == [
                "softirqs:3: NET_RX: 3 count columns, the header names 2 CPUs", "softirqs:4: NET_TX: 1 count column, the header names 2 CPUs",
            ])
        #expect(softirqs.count("HI", cpu: 1) == 2)
    }

    // MARK: beyond 64 bits

    @Test("an IRQ count beyond 64 bits is an error naming the CPU column, never 0 or the chip")
    func interruptCountTooLarge() {
        let table = Self.interrupts(
            """
                       CPU0       CPU2       CPU3
              30:          7          8 18446744073709551615  IR-PCI-MSI 1-edge      eth0-TxRx-0
              31:          7          8 184467440737095516160  IR-PCI-MSI 2-edge      eth0-TxRx-1
              32:          7          8 18446744073709551616  IR-PCI-MSI 3-edge      eth0-TxRx-2
             LOC:          1 99999999999999999999999          3   Local timer interrupts

            """)
        #expect(
            table.issues.map(\.description) == [
                "interrupts:3: IRQ 31: count '184467440737095516160' for CPU 3 does not fit 64 bits",
                "interrupts:4: IRQ 32: count '18446744073709551616' for CPU 3 does not fit 64 bits",
                "interrupts:5: LOC: count '99999999999999999999999' for CPU 2 does not fit 64 bits",
            ])
        #expect(table.count(irq: 30, cpu: 3) == UInt64.max)
        #expect(table.lines.map(\.irq) == [30])
        #expect(table.counters.isEmpty)
    }

    @Test("softirq, stat and softnet counts beyond 64 bits are errors naming file, line and column")
    func otherCountsTooLarge() {
        let softirqs = SoftIRQCounters(parsing: "   CPU0 CPU3\nNET_RX: 1 184467440737095516160\nNET_TX: 1 2\n", path: "softirqs")
        #expect(softirqs.issues.map(\.description) == ["softirqs:2: NET_RX: count '184467440737095516160' for CPU 3 does not fit 64 bits"])
        #expect(softirqs.count("NET_TX", cpu: 3) == 2)
        #expect(softirqs.count("NET_RX", cpu: 0) == nil)

        let stat = CPUTimes(parsing: "cpu  1 1 1 1\ncpu0 1 1 1 1 0 0 184467440737095516160 0\ncpu1 1 1 1 1\n", path: "stat")
        #expect(stat.issues.map(\.description) == ["stat:2: CPU 0: count '184467440737095516160' for softirq ticks does not fit 64 bits"])
        #expect(stat.cpus.keys.sorted() == [1])

        let softnet = SoftnetStat(parsing: "00000010 1ffffffffffffffff 00000001\n00000020 00000000 00000002\n", online: [0, 1], path: "softnet_stat")
        #expect(softnet.issues.first?.description == "softnet_stat:1: count '1ffffffffffffffff' for column 2 (dropped) does not fit 64 bits")
        #expect(softnet.cpus.values.map(\.processed) == [0x20])
    }

    @Test("a softnet CPU id beyond any CPU is reported, not a crash")
    func softnetCPUIdBeyondRange() {
        let row = (0..<12).map { _ in "00000001" }.joined(separator: " ")
        let softnet = SoftnetStat(parsing: row + " ffffffffffffffff\n" + row + " 00000002\n", online: [2], path: "softnet_stat")
        #expect(softnet.issues.map(\.line) == [1])
        #expect(softnet.cpus.keys.sorted() == [2])
    }

    @Test("an interface statistics counter beyond 64 bits is reported, not dropped silently")
    func sysfsCounterTooLarge() {
        let tree = FixtureTree()
        tree.write("proc/interrupts", "           CPU0\n")
        tree.write("sys/class/net/eth0/statistics/rx_packets", "184467440737095516160")
        tree.write("sys/class/net/eth0/statistics/tx_packets", "12")
        let sample = CounterSample.read(from: tree.root, queueRequests: [.init(interface: "eth0", ifindex: 2)])
        #expect(sample.interfaces["eth0"] == nil)
        #expect(
            sample.issues.map(\.description).contains(
                "\(tree.path)/sys/class/net/eth0/statistics/rx_packets: count '184467440737095516160' does not fit 64 bits"))
    }

    // MARK: binary garbage

    @Test("binary garbage in a file gives escaped, bounded messages")
    func binaryGarbage() {
        let garbage: [UInt8] = [0x1B, 0x5B, 0x32, 0x4A, 0x1B, 0x5D, 0x30, 0x3B, 0x07, 0xFF, 0xFE, 0x00, 0xC2, 0x9B] + Array(repeating: 0x41, count: 200)
        var header = Array("           CPU0 ".utf8) + garbage + [0x0A]
        header += Array("  30:          7  IR-PCI-MSI 1-edge      eth0\n".utf8)
        let table = InterruptTable(parsing: header, path: "interrupts")
        let message = table.issues.first?.message ?? ""
        #expect(message.hasPrefix(#"header should name CPU columns like 'CPU0', found '\x1b[2J\x1b]0;\x07\xff\xfe\x00\u{9b}AAAAAAAAAAAAAAAAAAAAAAAAAAA…'"#))
        #expect(Self.isTerminalSafe(message))
        #expect(message.utf8.count < 200)

        let softirqs = SoftIRQCounters(
            parsing: String(decoding: Array("   CPU0\n".utf8) + garbage + Array(" 1\nNET_RX: \u{1B}[31m\n".utf8), as: UTF8.self), path: "softirqs")
        #expect(softirqs.issues.count == 2)
        #expect(softirqs.issues.allSatisfy { Self.isTerminalSafe($0.description) && $0.description.utf8.count < 200 })
        #expect(softirqs.issues.last?.message == #"NET_RX: expected per-CPU counts, found '\x1b[31m'"#)

        let stat = CPUTimes(parsing: "cpu\u{1B}]0;pwned\u{07} 1 2 3 4\n", path: "stat")
        #expect(stat.issues.first?.message == #"unexpected label 'cpu\x1b]0;pwned\x07'"#)
    }

    @Test("a sysfs attribute holding escapes is quoted safely")
    func sysfsGarbage() {
        let tree = FixtureTree()
        tree.write("sys/class/net/eth0/mtu", "\u{1B}]2;owned\u{07}1500")
        tree.write("sys/class/net/eth0/queues/rx-0/rps_cpus", "\u{1B}[31mff")
        var issues: [HostIssue] = []
        let interface = NetworkInterface.read(named: "eth0", from: tree.root, issues: &issues)
        #expect(interface.mtu == nil)
        #expect(
            issues.map(\.message) == [
                #"expected a number, found '\x1b]2;owned\x071500'"#,
                #"invalid CPU mask '\x1b[31mff': '\x1b[31mff' is not hexadecimal"#,
            ])
    }
}
