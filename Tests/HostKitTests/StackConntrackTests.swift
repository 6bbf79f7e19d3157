import CMTuneTestSupport
import HostKit
import Testing

@Suite("Connection tracking (nf_conntrack)")
struct ConntrackStateTests {
    static let countPath = "proc/sys/net/netfilter/nf_conntrack_count"
    static let maxPath = "proc/sys/net/netfilter/nf_conntrack_max"
    static let statisticsPath = "proc/net/stat/nf_conntrack"

    /// The 4.x layout (`searched`, `delete_list`): four CPUs, `entries` repeated on each row.
    static let olderKernel = """
        entries  searched found new invalid ignore delete delete_list insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart
        00000021  00000000 00000000 00000000 00000003 0000588a 00000000 00000000 00000000 00000001 00000010 00000000 00000000  00000000 00000000 00000000 00000000
        00000021  00000000 00000000 00000000 00000002 000056a4 00000000 00000000 00000000 00000000 00000020 00000002 00000000  00000000 00000000 00000000 00000002
        00000021  00000000 00000000 00000000 00000001 000058d4 00000000 00000000 00000000 00000000 00000000 00000000 00000000  00000000 00000000 00000000 00000001
        00000021  00000000 00000000 00000000 0000002f 00005688 00000000 00000000 00000000 00000002 00000000 00000000 00000000  00000000 00000000 00000000 00000004

        """

    @Test("the 6.18 layout: count, limit, the idle host's counters (zero, present)")
    func realKernel() throws {
        let tree = StackFixture.tree([
            Self.countPath: "12345\n", Self.maxPath: "262144\n", Self.statisticsPath: StackFixture.text("nf_conntrack-6.18"),
        ])
        let state = try #require(ConntrackState.read(from: tree.root))
        #expect(state.issues.isEmpty, "\(state.issues)")
        #expect(state.count == 12345)
        #expect(state.maximum == 262_144)
        #expect(state.statistics["drop"] == 0)
        #expect(state.statistics["clashres"] == 0)
        #expect(state.statistics.count == 17)
    }

    @Test("older kernels' columns by name; per-CPU counts summed, entries taken once")
    func olderKernelSums() throws {
        let tree = StackFixture.tree([Self.statisticsPath: Self.olderKernel])
        let state = try #require(ConntrackState.read(from: tree.root))
        #expect(state.issues.isEmpty)
        #expect(state.count == nil)
        #expect(state.statistics["entries"] == 0x21)
        #expect(state.statistics["invalid"] == 3 + 2 + 1 + 0x2f)
        #expect(state.statistics["ignore"] == 0x588a + 0x56a4 + 0x58d4 + 0x5688)
        #expect(state.statistics["insert_failed"] == 3)
        #expect(state.statistics["drop"] == 0x30)
        #expect(state.statistics["early_drop"] == 2)
        #expect(state.statistics["search_restart"] == 7)
        #expect(state.statistics["searched"] == 0)
    }

    @Test("nil without the module; the old net.nf_conntrack_max is the fallback limit")
    func presence() throws {
        #expect(ConntrackState.read(from: FixtureTree().root) == nil)
        let old = StackFixture.tree([Self.countPath: "7\n", "proc/sys/net/nf_conntrack_max": "65536\n"])
        let state = try #require(ConntrackState.read(from: old.root))
        #expect(state.maximum == 65536)
        #expect(state.statistics.isEmpty)
        #expect(state.issues.isEmpty)

        let noMax = StackFixture.tree([Self.countPath: "7\n"])
        let withoutLimit = try #require(ConntrackState.read(from: noMax.root))
        #expect(withoutLimit.count == 7)
        #expect(withoutLimit.maximum == nil)
        #expect(withoutLimit.issues.count == 1)
    }

    @Test("malformed rows: wrong column count and non-hex are left out with their line; the others still sum")
    func malformedRows() throws {
        let text = """
            entries  found drop
            00000010  00000001 00000002
            00000010  00000001
            00000010  0000zz01 00000002
            00000010  00000001 00000003

            """
        let parsed = ConntrackState.statistics(parsing: Array(text.utf8), path: "/p/nf")
        #expect(parsed.statistics == ["entries": 0x10, "found": 2, "drop": 5])
        #expect(try #require(issue(parsed.issues, at: "/p/nf", line: 3)).message.contains("expected 3"))
        #expect(try #require(issue(parsed.issues, at: "/p/nf", line: 4)).message.contains("'0000zz01'"))
        #expect(parsed.issues.count == 2)
    }

    @Test("a sum over 64 bits drops that column with an issue; header alone or garbage gives no counters")
    func overflowAndGarbage() throws {
        let text = "entries drop found\n1 ffffffffffffffff 1\n1 1 1\n"
        let parsed = ConntrackState.statistics(parsing: Array(text.utf8), path: "/p/nf")
        #expect(parsed.statistics["drop"] == nil)
        #expect(parsed.statistics["found"] == 2)
        #expect(try #require(issue(parsed.issues, at: "/p/nf", line: 3)).message.contains("64 bits"))

        let tooWide = ConntrackState.statistics(parsing: Array("drop\n10000000000000000\n".utf8), path: "/p/nf")
        #expect(tooWide.statistics.isEmpty)
        #expect(issue(tooWide.issues, at: "/p/nf", line: 2) != nil)

        let headerOnly = ConntrackState.statistics(parsing: Array("entries drop\n".utf8), path: "/p/nf")
        #expect(headerOnly.statistics.isEmpty)
        #expect(headerOnly.issues.count == 1)

        let garbage = ConntrackState.statistics(parsing: [0x00, 0x01, 0x20, 0xFE, 0x0A, 0x31], path: "/p/nf")
        #expect(garbage.statistics.isEmpty)
        #expect(try #require(issue(garbage.issues, at: "/p/nf", line: 1)).message.contains("\\x00\\x01"))

        let count = StackFixture.tree([Self.countPath: "18446744073709551616\n", Self.maxPath: "-5\n"])
        let state = try #require(ConntrackState.read(from: count.root))
        #expect(state.count == nil)
        #expect(state.maximum == nil)
        #expect(issue(state.issues, at: count.root.absolute(Self.countPath), line: 1) != nil)
        #expect(try #require(issue(state.issues, at: count.root.absolute(Self.maxPath), line: 1)).message.contains("negative"))
    }
}

@Suite("Interface receive error counters")
struct InterfaceErrorCountersTests {
    @Test("each counter from its sysfs file; an absent file is nil without an issue")
    func counters() {
        let base = "sys/class/net/eth0/statistics"
        let tree = StackFixture.tree([
            "\(base)/rx_dropped": "17\n", "\(base)/rx_missed_errors": "123456789012\n", "\(base)/rx_over_errors": "0\n",
            "\(base)/rx_packets": "18446744073709551615\n",
        ])
        var issues: [HostIssue] = []
        let counters = InterfaceErrorCounters.read(interface: "eth0", from: tree.root, issues: &issues)
        #expect(issues.isEmpty)
        #expect(counters == InterfaceErrorCounters(rxDropped: 17, rxMissedErrors: 123_456_789_012, rxFifoErrors: nil, rxOverErrors: 0, rxPackets: UInt64.max))
    }

    @Test("over 64 bits, garbage, an unknown interface and a name that leaves the directory are issues")
    func malformed() throws {
        let base = "sys/class/net/eth0/statistics"
        let tree = StackFixture.tree([
            "\(base)/rx_dropped": "18446744073709551616\n", "\(base)/rx_packets": "\u{0}\u{0}\n", "etc/secret/statistics/rx_packets": "1\n",
        ])
        var issues: [HostIssue] = []
        let counters = InterfaceErrorCounters.read(interface: "eth0", from: tree.root, issues: &issues)
        #expect(counters.rxDropped == nil)
        #expect(counters.rxPackets == nil)
        #expect(try #require(issue(issues, at: tree.root.absolute("\(base)/rx_dropped"), line: 1)).message.contains("64 bits"))
        #expect(try #require(issue(issues, at: tree.root.absolute("\(base)/rx_packets"), line: 1)).message.contains("\\x00"))

        var more: [HostIssue] = []
        let unknown = InterfaceErrorCounters.read(interface: "eth9", from: tree.root, issues: &more)
        #expect(unknown == InterfaceErrorCounters())
        #expect(more.count == 1)
        #expect(more.first?.message.contains("eth9") == true)

        var hostile: [HostIssue] = []
        let escaped = InterfaceErrorCounters.read(interface: "../../etc/secret", from: tree.root, issues: &hostile)
        #expect(escaped == InterfaceErrorCounters())
        #expect(hostile.count == 1)
    }

    #if os(Linux)
    @Test("live: the loopback interface has a packet count")
    func live() {
        var issues: [HostIssue] = []
        let counters = InterfaceErrorCounters.read(interface: "lo", from: HostRoot(), issues: &issues)
        #expect(issues.isEmpty, "\(issues)")
        #expect(counters.rxPackets != nil)
        #expect(counters.rxDropped != nil)
    }
    #endif
}
