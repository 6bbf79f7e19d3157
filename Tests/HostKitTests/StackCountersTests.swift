import CMTuneTestSupport
import HostKit
import Testing

/// The network stack files copied from a real 6.18 kernel (Fixtures/stack, README beside them).
enum StackFixture {
    static func text(_ name: String) -> String {
        RealHosts.file("../stack", name) ?? ""
    }

    /// A root holding `files` (relative path -> content), written byte for byte.
    static func tree(_ files: [String: String]) -> FixtureTree {
        let tree = FixtureTree()
        for (path, content) in files { tree.write(path, content, newline: false) }
        return tree
    }
}

/// A line's issue, as the tests look for it.
func issue(_ issues: [HostIssue], at path: String, line: Int?) -> HostIssue? {
    issues.first { $0.path == path && $0.line == line }
}

@Suite("Protocol counters (/proc/net/netstat, /proc/net/snmp)")
struct ProtocolCountersTests {
    @Test("the 6.18 files parse whole: every name paired with its value, MaxConn -1 kept apart")
    func realKernel() throws {
        let netstat = StackFixture.text("netstat-6.18")
        let snmp = StackFixture.text("snmp-6.18")
        let tree = StackFixture.tree(["proc/net/netstat": netstat, "proc/net/snmp": snmp])
        let counters = ProtocolCounters.read(from: tree.root)
        #expect(counters.issues.isEmpty, "\(counters.issues)")
        #expect(counters.value("TcpExt", "TW") == 2729)
        #expect(counters.value("TcpExt", "ListenOverflows") == 0)
        #expect(counters.value("TcpExt", "DelayedACKs") == 13216)
        #expect(counters.value("IpExt", "InOctets") == 210_499_315)
        #expect(counters.value("Tcp", "ActiveOpens") == 3882)
        #expect(counters.value("Tcp", "RetransSegs") == 263)
        #expect(counters.value("IcmpMsg", "InType3") == 1)
        #expect(counters.value("Tcp", "MaxConn") == nil)
        #expect(counters.signedValues["Tcp"]?["MaxConn"] == -1)
        #expect(counters.values["TcpExt"]?.count == 135)
        #expect(counters.values["MPTcpExt"]?.count == 76)
        #expect(Set(counters.values.keys) == ["TcpExt", "IpExt", "MPTcpExt", "Ip", "Icmp", "IcmpMsg", "Tcp", "Udp", "UdpLite"])

        // Differential: a plain split of each pair gives the same table.
        for text in [netstat, snmp] {
            let lines = text.split(separator: "\n")
            for pair in stride(from: 0, to: lines.count - 1, by: 2) {
                let names = lines[pair].split(separator: " ")
                let values = lines[pair + 1].split(separator: " ")
                let prefix = String(names[0].dropLast())
                for (name, value) in zip(names.dropFirst(), values.dropFirst()) where !value.hasPrefix("-") {
                    #expect(counters.value(prefix, String(name)) == UInt64(value), "\(prefix) \(name)")
                }
            }
        }
    }

    @Test("a 3.10-era netstat: other names, no MPTcpExt, columns found by name")
    func olderKernel() {
        let text = """
            TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed EmbryonicRsts PruneCalled RcvPruned OfoPruned OutOfWindowIcmps LockDroppedIcmps ArpFilter TW TWRecycled TWKilled PAWSPassive PAWSActive PAWSEstab DelayedACKs DelayedACKLocked DelayedACKLost ListenOverflows ListenDrops TCPPrequeued TCPDirectCopyFromBacklog
            TcpExt: 0 0 2 0 11 0 0 0 0 0 90210 0 0 0 0 6 1000 17 9 4242 4243 80568 0
            IpExt: InNoRoutes InTruncatedPkts InMcastPkts OutMcastPkts InBcastPkts OutBcastPkts InOctets OutOctets InMcastOctets OutMcastOctets InBcastOctets OutBcastOctets
            IpExt: 0 0 0 0 0 0 6286396970 2786264347 0 0 0 0

            """
        let counters = ProtocolCounters(parsing: Array(text.utf8), path: "/p/netstat")
        #expect(counters.issues.isEmpty)
        #expect(counters.value("TcpExt", "ListenOverflows") == 4242)
        #expect(counters.value("TcpExt", "ListenDrops") == 4243)
        #expect(counters.value("TcpExt", "PruneCalled") == 11)
        #expect(counters.value("TcpExt", "TCPPrequeued") == 80568)
        #expect(counters.value("IpExt", "InOctets") == 6_286_396_970)
        #expect(counters.values["MPTcpExt"] == nil)
    }

    @Test("IcmpMsg printed in two pairs (16 types per pair) is merged under one prefix")
    func repeatedPrefix() {
        let names = (0..<16).map { "InType\($0)" }.joined(separator: " ")
        let text = "IcmpMsg: \(names)\nIcmpMsg: \((0..<16).map(String.init).joined(separator: " "))\nIcmpMsg: OutType3 OutType8\nIcmpMsg: 70 80\n"
        let counters = ProtocolCounters(parsing: Array(text.utf8), path: "/p/snmp")
        #expect(counters.issues.isEmpty)
        #expect(counters.values["IcmpMsg"]?.count == 18)
        #expect(counters.value("IcmpMsg", "InType15") == 15)
        #expect(counters.value("IcmpMsg", "OutType8") == 80)
    }

    @Test("a missing file is an issue naming it; the other file's prefixes are still read")
    func missingFile() {
        let tree = StackFixture.tree(["proc/net/snmp": StackFixture.text("snmp-6.18")])
        let counters = ProtocolCounters.read(from: tree.root)
        #expect(counters.values["TcpExt"] == nil)
        #expect(counters.value("Tcp", "ActiveOpens") == 3882)
        #expect(counters.issues.count == 1)
        #expect(counters.issues.first?.path == tree.root.absolute("proc/net/netstat"))
        #expect(counters.issues.first?.message.hasPrefix("missing") == true)

        let empty = ProtocolCounters.read(from: FixtureTree().root)
        #expect(empty.values.isEmpty)
        #expect(empty.issues.count == 2)
    }

    @Test("a count over 64 bits is an issue on its line; that counter is absent, never 0, the others kept")
    func overflow() throws {
        let text = "TcpExt: ListenOverflows ListenDrops TW\nTcpExt: 18446744073709551616 5 18446744073709551615\n"
        let counters = ProtocolCounters(parsing: Array(text.utf8), path: "/p/netstat")
        #expect(counters.value("TcpExt", "ListenOverflows") == nil)
        #expect(counters.value("TcpExt", "ListenDrops") == 5)
        #expect(counters.value("TcpExt", "TW") == UInt64.max)
        let found = try #require(issue(counters.issues, at: "/p/netstat", line: 2))
        #expect(found.message.contains("ListenOverflows"))
        #expect(found.message.contains("64 bits"))
        #expect(counters.issues.count == 1)
    }

    @Test("a value line with another column count leaves the whole pair out, with its line")
    func wrongColumnCount() throws {
        let text = "Tcp: ActiveOpens PassiveOpens\nTcp: 1 2 3\nUdp: InDatagrams\nUdp: 7\n"
        let counters = ProtocolCounters(parsing: Array(text.utf8), path: "/p/snmp")
        #expect(counters.values["Tcp"] == nil)
        #expect(counters.value("Udp", "InDatagrams") == 7)
        let found = try #require(issue(counters.issues, at: "/p/snmp", line: 2))
        #expect(found.message.contains("2 names but 3 values"))
    }

    @Test("a file cut after a names line: the names line is reported, earlier pairs kept")
    func truncated() throws {
        let text = "Ip: Forwarding DefaultTTL\nIp: 1 64\nTcp: ActiveOpens PassiveOpens"
        let counters = ProtocolCounters(parsing: Array(text.utf8), path: "/p/snmp")
        #expect(counters.value("Ip", "DefaultTTL") == 64)
        #expect(counters.values["Tcp"] == nil)
        #expect(issue(counters.issues, at: "/p/snmp", line: 3) != nil)
        // A value line cut short is a column-count mismatch.
        let cut = ProtocolCounters(parsing: Array("Tcp: ActiveOpens PassiveOpens\nTcp: 1".utf8), path: "/p/snmp")
        #expect(cut.values["Tcp"] == nil)
        #expect(issue(cut.issues, at: "/p/snmp", line: 2) != nil)
    }

    @Test("values without a names line, names of another prefix, and an empty file are reported")
    func misplacedLines() {
        let valuesFirst = ProtocolCounters(parsing: Array("Tcp: 1 2\n".utf8), path: "/p/snmp")
        #expect(valuesFirst.values.isEmpty)
        #expect(issue(valuesFirst.issues, at: "/p/snmp", line: 1) != nil)

        let mismatched = ProtocolCounters(parsing: Array("Tcp: ActiveOpens\nUdp: InDatagrams\nUdp: 4\n".utf8), path: "/p/snmp")
        #expect(mismatched.values["Tcp"] == nil)
        #expect(mismatched.value("Udp", "InDatagrams") == 4)
        #expect(issue(mismatched.issues, at: "/p/snmp", line: 1) != nil)

        let empty = ProtocolCounters(parsing: [], path: "/p/snmp")
        #expect(empty.values.isEmpty)
        #expect(empty.issues.map(\.path) == ["/p/snmp"])
    }

    @Test("binary garbage: issues with escaped content and a cap, no crash")
    func garbage() throws {
        var bytes: [UInt8] = []
        var state: UInt32 = 12345
        for _ in 0..<20_000 {
            state = state &* 1_103_515_245 &+ 12345
            bytes.append(UInt8(truncatingIfNeeded: state >> 16))
        }
        bytes += Array("\nTcp\u{1}: \u{0}\u{1b}[2J\nTcp: 1\n".utf8)
        let counters = ProtocolCounters(parsing: bytes, path: "/p/netstat")
        #expect(counters.values.isEmpty)
        #expect(!counters.issues.isEmpty)
        #expect(counters.issues.count <= 21)
        #expect(counters.issues.allSatisfy { $0.path == "/p/netstat" })
        // Nothing unprintable reaches a message.
        #expect(counters.issues.allSatisfy { $0.message.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F } })
        let escaped = ProtocolCounters(parsing: Array("Tcp\u{1}: \u{0}\u{1b}[2J\n".utf8), path: "/p/netstat")
        let message = try #require(escaped.issues.first?.message)
        #expect(message.contains("\\x01"))
        #expect(message.contains("\\x1b"))
        #expect(escaped.issues.first?.line == 1)
    }
}

@Suite("Socket statistics (/proc/net/sockstat) and TCP limits")
struct SocketStatisticsTests {
    @Test("the 6.18 files: TCP counts, IPv6 added to inuse, pages of memory")
    func realKernel() throws {
        let tree = StackFixture.tree([
            "proc/net/sockstat": StackFixture.text("sockstat-6.18"), "proc/net/sockstat6": StackFixture.text("sockstat6-6.18"),
        ])
        let statistics = try #require(SocketStatistics.read(from: tree.root))
        #expect(statistics.issues.isEmpty)
        #expect(statistics.tcpInUse == 1)
        #expect(statistics.tcp6InUse == 0)
        #expect(statistics.tcpOrphans == 0)
        #expect(statistics.tcpTimeWait == 644)
        #expect(statistics.tcpAllocated == 1)
        #expect(statistics.tcpMemoryPages == 0)
        #expect(statistics.socketsUsed == 23)
    }

    @Test("IPv4 and IPv6 in use add up; a 2.6-era file (UDP without mem, no sockstat6) reads alone")
    func families() throws {
        let both = StackFixture.tree([
            "proc/net/sockstat": "sockets: used 400123\nTCP: inuse 250000 orphan 12 tw 30000 alloc 250100 mem 98304\nUDP: inuse 3 mem 2\n",
            "proc/net/sockstat6": "TCP6: inuse 150000\nUDP6: inuse 1\n",
        ])
        let statistics = try #require(SocketStatistics.read(from: both.root))
        #expect(statistics.tcpInUse == 400_000)
        #expect(statistics.tcp6InUse == 150_000)
        #expect(statistics.tcpMemoryPages == 98304)
        #expect(statistics.tcpOrphans == 12)

        let old = StackFixture.tree([
            "proc/net/sockstat": "sockets: used 229\nTCP: inuse 4 orphan 0 tw 4 alloc 17 mem 1\nUDP: inuse 0\nRAW: inuse 0\nFRAG: inuse 0 memory 0\n"
        ])
        let oldStatistics = try #require(SocketStatistics.read(from: old.root))
        #expect(oldStatistics.issues.isEmpty)
        #expect(oldStatistics.tcpInUse == 4)
        #expect(oldStatistics.tcp6InUse == nil)
        #expect(oldStatistics.tcpAllocated == 17)
    }

    @Test("no sockstat: nil; sockstat unreadable would be an issue, not nil")
    func missing() {
        #expect(SocketStatistics.read(from: FixtureTree().root) == nil)
    }

    @Test("malformed sockstat: over 64 bits, unpaired fields, no TCP line, a broken sockstat6 makes the total unknown")
    func malformed() throws {
        let path = "/p/sockstat"
        let huge = SocketStatistics(parsing: Array("sockets: used 5\nTCP: inuse 1 orphan 0 tw 0 alloc 1 mem 99999999999999999999\n".utf8), path: path)
        #expect(huge.tcpMemoryPages == nil)
        #expect(huge.tcpInUse == 1)
        #expect(huge.socketsUsed == 5)
        #expect(try #require(issue(huge.issues, at: path, line: 2)).message.contains("64 bits"))

        let unpaired = SocketStatistics(parsing: Array("TCP: inuse 1 orphan\n".utf8), path: path)
        #expect(unpaired.tcpInUse == nil)
        #expect(issue(unpaired.issues, at: path, line: 1) != nil)

        let noTCP = SocketStatistics(parsing: Array("sockets: used 3\n".utf8), path: path)
        #expect(noTCP.tcpInUse == nil)
        #expect(noTCP.socketsUsed == 3)
        #expect(noTCP.issues.contains { $0.path == path && $0.message.contains("TCP") })

        let missingName = SocketStatistics(parsing: Array("TCP: inuse 1 orphan 0 alloc 1 mem 2\n".utf8), path: path)
        #expect(missingName.tcpTimeWait == nil)
        #expect(missingName.tcpAllocated == 1)
        #expect(try #require(issue(missingName.issues, at: path, line: 1)).message.contains("'tw'"))

        let broken6 = SocketStatistics(
            parsing: Array("TCP: inuse 1 orphan 0 tw 0 alloc 1 mem 2\n".utf8), path: path, ipv6: Array("TCP6: inuse x\n".utf8), ipv6Path: "/p/sockstat6")
        #expect(broken6.tcpInUse == nil)
        #expect(broken6.tcp6InUse == nil)
        #expect(issue(broken6.issues, at: "/p/sockstat6", line: 1) != nil)

        let garbage = SocketStatistics(parsing: [0, 0xFF, 0x0A, 0x3A, 0x0A] + Array(repeating: 0x41, count: 5000), path: path)
        #expect(garbage.tcpInUse == nil)
        #expect(issue(garbage.issues, at: path, line: 1) != nil)
        #expect(garbage.issues.allSatisfy { $0.message.count < 200 })
    }

    @Test("TCP limits from this host's layout: tcp_mem is three tab-separated page counts")
    func limits() {
        let tree = StackFixture.tree([
            "proc/sys/net/ipv4/tcp_mem": "287907\t383877\t575814\n", "proc/sys/net/ipv4/tcp_max_orphans": "131072\n",
            "proc/sys/net/ipv4/tcp_max_tw_buckets": "131072\n",
        ])
        let limits = TCPLimits.read(from: tree.root)
        #expect(
            limits
                == TCPLimits(memoryLowPages: 287_907, memoryPressurePages: 383_877, memoryHighPages: 575_814, maxOrphans: 131_072, maxTimeWaitBuckets: 131_072))
    }

    @Test("TCP limits: missing files, two numbers, a number over 64 bits, garbage")
    func limitsMalformed() throws {
        let missing = TCPLimits.read(from: FixtureTree().root)
        #expect(missing.memoryHighPages == nil && missing.maxOrphans == nil && missing.maxTimeWaitBuckets == nil)
        #expect(missing.issues.count == 3)

        let tree = StackFixture.tree([
            "proc/sys/net/ipv4/tcp_mem": "287907\t383877\n", "proc/sys/net/ipv4/tcp_max_orphans": "99999999999999999999\n",
            "proc/sys/net/ipv4/tcp_max_tw_buckets": "\u{0}\u{7f}zz\n",
        ])
        let limits = TCPLimits.read(from: tree.root)
        #expect(limits.memoryLowPages == nil)
        #expect(limits.maxOrphans == nil)
        #expect(limits.maxTimeWaitBuckets == nil)
        #expect(try #require(issue(limits.issues, at: tree.root.absolute("proc/sys/net/ipv4/tcp_mem"), line: 1)).message.contains("found 2"))
        #expect(try #require(issue(limits.issues, at: tree.root.absolute("proc/sys/net/ipv4/tcp_max_orphans"), line: 1)).message.contains("64 bits"))
        #expect(try #require(issue(limits.issues, at: tree.root.absolute("proc/sys/net/ipv4/tcp_max_tw_buckets"), line: 1)).message.contains("\\x7f"))

        let oneBad = StackFixture.tree(["proc/sys/net/ipv4/tcp_mem": "1 x 3\n"])
        let partial = TCPLimits.read(from: oneBad.root)
        #expect(partial.memoryLowPages == 1)
        #expect(partial.memoryPressurePages == nil)
        #expect(partial.memoryHighPages == 3)
    }
}
