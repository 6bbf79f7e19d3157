import CMTuneTestSupport
import HostKit
import Testing
import Tuning

/// Every diagnose rule fires on a host built to trigger it and stays quiet on a healthy one.
@Suite("Diagnosis rules")
struct DiagnosisTests {
    static let healthySysctls = [
        "fs.file-max": "9223372036854775807", "fs.nr_open": "2097152", "net.core.somaxconn": "65535",
        "net.ipv4.tcp_max_syn_backlog": "65535", "net.core.netdev_max_backlog": "16384", "net.ipv4.ip_local_port_range": "1024\t65535",
        "net.core.netdev_budget": "300", "net.core.netdev_budget_usecs": "2000",
    ].mapValues { $0.replacingTabs() }

    static func cpu(_ id: Int, user: Double = 2, system: Double = 2, irq: Double = 0, softirq: Double = 1, netRX: Double = 100) -> CounterRates.CPURate {
        var rate = CounterRates.CPURate(cpu: id)
        rate.user = user
        rate.system = system
        rate.irq = irq
        rate.softirq = softirq
        rate.idle = max(0, 100 - user - system - irq - softirq)
        rate.iowait = 0
        rate.steal = 0
        rate.netRX = netRX
        rate.netTX = 10
        rate.processed = netRX * 8
        rate.dropped = 0
        rate.squeezed = 0
        return rate
    }

    static func healthyRates(cpus: Int = 8) -> CounterRates {
        CounterRates(seconds: 5, cpus: (0..<cpus).map { cpu($0) })
    }

    static func diagnose(
        host: SyntheticHost = .healthy(), rates: CounterRates? = healthyRates(), sysctls: [String: String] = healthySysctls,
        irqbalance: [ProcessScan.Process] = [], facts: (any DeviceFactsSource)? = nil
    ) -> Diagnosis {
        let tree = FixtureTree()
        host.write(to: tree)
        let inventory = HostInventory.read(from: tree.root, facts: facts)
        return Diagnosis(inventory: inventory, rates: rates, sysctls: sysctls, irqbalance: irqbalance)
    }

    @Test("a healthy host is OK with nothing to report")
    func healthy() {
        let diagnosis = Self.diagnose()
        #expect(diagnosis.findings.map(\.code) == [])
        #expect(diagnosis.verdict == .ok)
        #expect(diagnosis.verdict.exitCode == 0)
    }

    @Test("one CPU above 90 % softirq while another idles is critical, with the cause's fix")
    func softirqSaturated() throws {
        var host = SyntheticHost.healthy()
        host.nics[0].effective = { _ in [0] }
        var rates = Self.healthyRates()
        rates.cpus[0] = Self.cpu(0, softirq: 96, netRX: 50_000)
        let diagnosis = Self.diagnose(host: host, rates: rates)
        let finding = try #require(diagnosis.findings.first)
        #expect(finding.code == "softirq-saturated-cpu")
        #expect(finding.severity == .critical)
        #expect(finding.subject == "CPU 0")
        #expect(finding.evidence.contains("96 % in softirq"))
        #expect(finding.evidence.contains("likely cause: irqs-on-one-cpu on eth0"))
        #expect(finding.fix == diagnosis.findings.first { $0.code == "irqs-on-one-cpu" }?.fix)
        #expect(diagnosis.verdict == .critical)
        #expect(diagnosis.verdict.exitCode == 2)
        // The same load spread over the CPUs is not a finding.
        #expect(!Self.diagnose(rates: Self.healthyRates()).findings.contains { $0.code == "softirq-saturated-cpu" })
    }

    @Test("no spare CPU means no imbalance to fix: a uniformly busy host is not flagged")
    func uniformlyBusy() {
        let rates = CounterRates(seconds: 5, cpus: (0..<8).map { Self.cpu($0, softirq: 95) })
        #expect(!Self.diagnose(rates: rates).findings.contains { $0.code == "softirq-saturated-cpu" })
    }

    @Test("hard IRQ and user-space saturation are named for what they are")
    func otherSaturation() {
        var rates = Self.healthyRates()
        rates.cpus[2] = Self.cpu(2, irq: 93)
        rates.cpus[3] = Self.cpu(3, user: 80, system: 17)
        let codes = Self.diagnose(rates: rates).findings.map { "\($0.code) \($0.subject)" }
        #expect(codes.contains("hardirq-saturated-cpu CPU 2"))
        #expect(codes.contains("user-saturated-cpu CPU 3"))
    }

    @Test("receive softirqs concentrated on one CPU, not yet saturated")
    func netRXConcentrated() throws {
        var rates = Self.healthyRates()
        for index in rates.cpus.indices {
            rates.cpus[index].netRX = 10
            rates.cpus[index].processed = nil
        }
        rates.cpus[5].netRX = 40_000
        rates.cpus[5].softirq = 30
        let finding = try #require(Self.diagnose(rates: rates).findings.first { $0.code == "net-rx-concentrated" })
        #expect(finding.subject == "CPU 5")
        #expect(finding.evidence.contains("CPU 5 ran 100 % of all NET_RX softirqs"))
        // A few hundred softirqs a second is noise.
        var quiet = Self.healthyRates()
        quiet.cpus[5].netRX = 900
        #expect(!Self.diagnose(rates: quiet).findings.contains { $0.code == "net-rx-concentrated" })
    }

    @Test("softnet drops are critical, squeezes a warning, each with the tunable to raise")
    func softnet() throws {
        var rates = Self.healthyRates()
        rates.cpus[1].dropped = 120
        rates.cpus[2].squeezed = 35
        let diagnosis = Self.diagnose(rates: rates, sysctls: Self.healthySysctls.merging(["net.core.netdev_max_backlog": "1000"]) { $1 })
        let drops = try #require(diagnosis.findings.first { $0.code == "softnet-drops" })
        #expect(drops.severity == .critical)
        #expect(drops.evidence.contains("CPU 1 120/s"))
        #expect(drops.evidence.contains("net.core.netdev_max_backlog = 1000"))
        #expect(drops.fix?.hasPrefix("sysctl -w net.core.netdev_max_backlog=16384") == true)
        let squeeze = try #require(diagnosis.findings.first { $0.code == "softnet-squeeze" })
        #expect(squeeze.severity == .warning)
        #expect(squeeze.fix == "sysctl -w net.core.netdev_budget=600 net.core.netdev_budget_usecs=4000")
    }

    @Test("one rx queue carrying most packets is a hash imbalance, from packet counters or IRQ rates")
    func queueImbalance() throws {
        var rates = Self.healthyRates()
        rates.queues["eth0"] = CounterRates.QueueRates(source: .netdevQueueStats, rx: [0: 9000, 1: 500, 2: 300, 3: 200], tx: [:])
        let finding = try #require(Self.diagnose(rates: rates).findings.first { $0.code == "rx-queue-imbalance" })
        #expect(finding.subject == "eth0")
        #expect(finding.evidence.contains("rx-0 carries 90 % of eth0's 10,000 packets/s"))
        // Without packet counters, the queue IRQs' rates stand in.
        let tree = FixtureTree()
        let irqs = SyntheticHost.healthy().write(to: tree)
        var proxy = Self.healthyRates()
        proxy.irqs = [irqs["eth0-TxRx-0"]!: 100, irqs["eth0-TxRx-1"]!: 100, irqs["eth0-TxRx-2"]!: 6000, irqs["eth0-TxRx-3"]!: 100]
        let inventory = HostInventory.read(from: tree.root)
        let diagnosis = Diagnosis(inventory: inventory, rates: proxy, sysctls: Self.healthySysctls, irqbalance: [])
        let fromIRQs = try #require(diagnosis.findings.first { $0.code == "rx-queue-imbalance" })
        #expect(fromIRQs.evidence.contains("rx/tx-2 carries 95 %"))
        #expect(fromIRQs.evidence.contains("interrupts/s (no per-queue packet counters)"))
        // Even queues are fine.
        var even = Self.healthyRates()
        even.queues["eth0"] = CounterRates.QueueRates(source: .ethtoolStatistics, rx: [0: 2600, 1: 2400, 2: 2500, 3: 2500], tx: [:])
        #expect(!Self.diagnose(rates: even).findings.contains { $0.code == "rx-queue-imbalance" })
    }

    @Test("irqbalance running is a warning: it undoes manual placement")
    func irqbalance() throws {
        let finding = try #require(Self.diagnose(irqbalance: [ProcessScan.Process(pid: 812, name: "irqbalance")]).findings.first)
        #expect(finding.code == "irqbalance-running")
        #expect(finding.evidence.contains("pid 812"))
        #expect(finding.fix?.hasPrefix("systemctl disable --now irqbalance") == true)
    }

    @Test(
        "each CM-host sysctl below its floor is reported with the value found and the one recommended",
        arguments: [
            ("fs.file-max", "800000", "2097152"), ("fs.nr_open", "1048576", "2097152"), ("net.core.somaxconn", "4096", "65535"),
            ("net.ipv4.tcp_max_syn_backlog", "2048", "65535"), ("net.core.netdev_max_backlog", "1000", "16384"),
            ("net.ipv4.ip_local_port_range", "32768 60999", "1024 65535"),
        ])
    func sysctl(name: String, found: String, recommended: String) throws {
        var sysctls = Self.healthySysctls
        sysctls[name] = found
        let diagnosis = Self.diagnose(sysctls: sysctls)
        let finding = try #require(diagnosis.findings.first)
        #expect(diagnosis.findings.count == 1)
        #expect(finding.code == "sysctl-below-recommended")
        #expect(finding.subject == name)
        #expect(finding.evidence.hasPrefix("\(name) is \(found); a CM host needs \(recommended)"))
        #expect(finding.fix == "cmtune sysctl --apply --persist")
        #expect(finding.manualFix?.hasPrefix("sysctl -w \(name)=\"\(recommended)\"") == true)
        #expect(finding.manualFix?.contains("echo '\(name) = \(recommended)' >> /etc/sysctl.d/90-cmtune.conf") == true)
        #expect(diagnosis.verdict == .warning)
    }

    @Test("RPS pinned to one CPU: that CPU processes every packet while NET_RX softirqs split; the processed count names it and RPS as the cause")
    func rpsPinned() throws {
        var host = SyntheticHost()
        host.cpus = 2
        host.nodes = [CPUSet(0..<2)]
        host.nics = [
            .init(
                name: "eth0", driver: "virtio_net", pciAddress: "0000:00:03.0", virtio: "virtio2", numaNode: -1, queues: 1,
                vectorNames: ["virtio2-input.0", "virtio2-output.0"], extraIRQs: ["virtio2-config"])
        ]
        host.nics[0].rps = { _ in [1] }
        var rates = CounterRates(seconds: 5, cpus: [Self.cpu(0, softirq: 20, netRX: 21_000), Self.cpu(1, softirq: 77, netRX: 20_000)])
        rates.cpus[0].processed = 0
        rates.cpus[1].processed = 160_000
        let diagnosis = Self.diagnose(host: host, rates: rates)
        let finding = try #require(diagnosis.findings.first { $0.code == "net-rx-concentrated" })
        #expect(finding.subject == "CPU 1")
        #expect(finding.evidence.contains("CPU 1 processed 100 % of all received packets (softnet processed)"))
        #expect(finding.evidence.contains("77 % in softirq"))
        #expect(finding.evidence.contains("likely cause: rps-on-one-cpu on eth0"))
        #expect(finding.fix == "cmtune spread eth0 --rps on")
        #expect(diagnosis.findings.contains { $0.code == "rps-on-one-cpu" && $0.subject == "eth0" })
        #expect(diagnosis.verdict == .warning)
    }

    @Test("the port-range advice reserves the ports the host listens on; fs.nr_open comes with the CM's LimitNOFILE")
    func safeSysctlAdvice() throws {
        var sysctls = Self.healthySysctls
        sysctls["net.ipv4.ip_local_port_range"] = "32768 60999"
        sysctls["net.ipv4.ip_local_reserved_ports"] = ""
        let tree = FixtureTree()
        SyntheticHost.healthy().write(to: tree)
        let inventory = HostInventory.read(from: tree.root)
        var stack = StackEvidence(window: "over 5 s", sampled: true)
        stack.sysctlContext = SysctlContext(
            listeningPorts: [22, 7000, 7001, 9100], reservedPorts: [],
            openFileLimits: [.init(source: "unit cm.service", soft: 65_536), .init(source: "process 4242 (cmtune)", soft: 20_000)], connectionTarget: 500_000)
        let diagnosis = Diagnosis(inventory: inventory, rates: Self.healthyRates(), sysctls: sysctls, irqbalance: [], stack: stack)
        let range = try #require(diagnosis.findings.first { $0.subject == "net.ipv4.ip_local_port_range" })
        #expect(range.manualFix?.contains("sysctl -w net.ipv4.ip_local_port_range=\"1024 65535\"") == true)
        let reserved = try #require(diagnosis.findings.first { $0.subject == "net.ipv4.ip_local_reserved_ports" })
        #expect(reserved.manualFix?.hasPrefix("sysctl -w net.ipv4.ip_local_reserved_ports=\"7000-7001,9100\"") == true)
        #expect(reserved.evidence.contains("ports 7000-7001,9100 are listened on"))
        // fs.nr_open is fine, but the unit's and the process's limits are what cap the CM.
        let nofile = try #require(diagnosis.findings.first { $0.subject == "fs.nr_open" })
        #expect(nofile.evidence.contains("unit cm.service has 65,536 open files"))
        #expect(nofile.evidence.contains("process 4242 (cmtune) has 20,000 open files"))
        #expect(nofile.manualFix?.contains("systemctl edit cm.service  # [Service] LimitNOFILE=1048576") == true)
        // Ports already reserved, or outside the range, are not advice.
        stack.sysctlContext.reservedPorts = [7000...7001, 9100...9100]
        let quiet = Diagnosis(inventory: inventory, rates: Self.healthyRates(), sysctls: sysctls, irqbalance: [], stack: stack)
        #expect(!quiet.findings.contains { $0.subject == "net.ipv4.ip_local_reserved_ports" })
    }

    @Test("static interface findings come through, ranked after the symptoms they explain")
    func staticFindingsRanked() {
        var host = SyntheticHost.healthy()
        host.nics[0].queues = 1
        host.nics[0].vectorNames = ["eth0-TxRx-0"]
        host.rpsSockFlowEntries = 32768
        var rates = Self.healthyRates()
        rates.cpus[0] = Self.cpu(0, softirq: 97, netRX: 80_000)
        let diagnosis = Self.diagnose(host: host, rates: rates)
        #expect(diagnosis.findings.map(\.code) == ["softirq-saturated-cpu", "single-queue-no-rps", "rfs-inconsistent", "rfs-inconsistent", "rfs-inconsistent"])
        #expect(diagnosis.findings[0].fix == diagnosis.findings[1].fix)
    }

    @Test("a snapshot without counters still gets its static findings; nothing at all is UNKNOWN")
    func withoutCounters() {
        var host = SyntheticHost.healthy()
        host.nics[0].effective = { _ in [2] }
        let diagnosis = Self.diagnose(host: host, rates: nil)
        #expect(diagnosis.findings.map(\.code) == ["irqs-on-one-cpu"])
        #expect(diagnosis.verdict == .critical)
        let empty = Diagnosis(
            inventory: HostInventory.read(from: FixtureTree().root), rates: nil, sysctls: [:], irqbalance: [])
        #expect(empty.verdict == .unknown)
        #expect(empty.verdict.exitCode == 3)
    }
}

extension String {
    fileprivate func replacingTabs() -> String { split(separator: "\t").joined(separator: " ") }
}
