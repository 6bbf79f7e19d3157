import Verify

/// Synthetic but realistic `cmtune verify` results for the report tests: what a sampler would
/// record on a healthy host, on the classic single-core softirq host, and on a run that
/// measured nothing. Values come from a fixed pseudo-random sequence so every run of the
/// tests renders the same page.
enum ReportSamples {
    /// Two CPUs sharing the work evenly for 30 s: PASS.
    static func balanced() -> VerifyReport {
        var noise = Noise()
        let intervals = (1...30).map { second in
            VerifyReport.Interval(
                offset: Double(second),
                cpus: (0..<2).map { _ in
                    .init(user: 0.30 + noise.next() * 0.05, system: 0.12 + noise.next() * 0.03, irq: 0.01, softirq: 0.08 + noise.next() * 0.02)
                })
        }
        return VerifyReport(
            host: "cm-07.example", kernel: "6.1.0-18-amd64", startedAt: "2026-11-27T03:12:00Z", duration: 30,
            verdict: .pass, threshold: 1.25, cpuBalance: 1.03, loopBalance: 1.05, softirqConcentration: 0.51,
            reasons: ["busiest CPU 1.03× the mean (limit 1.25×)", "busiest event loop 1.05× the mean"],
            cpus: [0, 1], intervals: intervals,
            loops: [
                .init(index: 0, threadID: 41_230, pinnedCPU: 0, lastCPU: 0, connections: 25_010, busy: 0.41),
                .init(index: 1, threadID: 41_231, pinnedCPU: 1, lastCPU: 1, connections: 24_990, busy: 0.39),
            ],
            load: .init(
                connectionsOK: 50_000, connectionsFailed: 0, sent: 1_500_000, acked: 1_500_000, delivered: 1_499_998,
                lost: 0, rate: 50_000,
                latency: .init(count: 1_499_998, p50: 0.418, p90: 0.93, p99: 2.71, p999: 7.9, max: 31.4)),
            queues: [
                .init(interface: "eth0", queue: "rx-0", irq: 120, irqAffinity: "0", rpsCPUs: nil, xpsCPUs: "0"),
                .init(interface: "eth0", queue: "rx-1", irq: 121, irqAffinity: "1", rpsCPUs: nil, xpsCPUs: "1"),
            ],
            findings: [])
    }

    /// Four CPUs where every receive interrupt lands on CPU 0 (90 % softirq) while the others
    /// idle along: FAIL. The NIC's interface name and the findings' text are hostile HTML.
    static func unbalanced() -> VerifyReport {
        var noise = Noise()
        let intervals = (1...60).map { second in
            VerifyReport.Interval(
                offset: Double(second),
                cpus: (0..<4).map { cpu in
                    cpu == 0
                        ? .init(user: 0.02, system: 0.03, irq: 0.02, softirq: 0.90 + noise.next() * 0.02)
                        : .init(user: 0.18 + noise.next() * 0.06, system: 0.07 + noise.next() * 0.02, irq: 0, softirq: 0.01)
                })
        }
        return VerifyReport(
            host: "cm-12.example", kernel: "5.15.0-91-generic", startedAt: "2026-11-27T03:20:00Z", duration: 60,
            verdict: .fail, threshold: 1.25, cpuBalance: 2.58, loopBalance: 1.08, softirqConcentration: 0.96,
            reasons: ["CPU 0 is 2.58× the mean (limit 1.25×): 90% softirq", "96% of softirq time is on CPU 0"],
            cpus: [0, 1, 2, 3], intervals: intervals,
            loops: (0..<4).map {
                .init(index: $0, threadID: 7_100 + $0, pinnedCPU: $0, lastCPU: $0, connections: 12_500 + $0 * 3, busy: 0.22 + Double($0) * 0.01)
            },
            load: .init(
                connectionsOK: 49_980, connectionsFailed: 20, sent: 2_400_000, acked: 2_399_100, delivered: 2_398_700,
                lost: 400, rate: 40_000,
                latency: .init(count: 2_398_700, p50: 0.842, p90: 2.314, p99: 12.47, p999: 48.21, max: 231.9)),
            queues: [
                .init(interface: hostileInterface, queue: "rx-0", irq: 45, irqAffinity: "0-3", rpsCPUs: "", xpsCPUs: "0"),
                .init(interface: "eth1", queue: "rx-0", irq: 46, irqAffinity: "0", rpsCPUs: nil, xpsCPUs: nil),
            ],
            findings: [
                .init(
                    severity: "critical", code: "IRQ_ONE_CPU", title: "All receive IRQs <end up> on CPU 0 & nowhere else",
                    evidence: "effective_affinity_list of IRQ 45 and 46 is \"0\"\nNET_RX on CPU 0: 98%",
                    fix: "cmtune spread 'eth1' --rps && echo f > /sys/class/net/eth1/queues/rx-0/rps_cpus"),
                .init(severity: "warning", code: "RPS_OFF", title: "RPS is off", evidence: "rps_cpus is 0 on 2 queues", fix: nil),
            ])
    }

    /// A run that sampled nothing: no intervals, loops, load, queues or findings.
    static func empty() -> VerifyReport {
        VerifyReport(
            host: "cm-empty", kernel: "6.1.0", startedAt: "2026-11-27T04:00:00Z", duration: 0, verdict: .fail,
            threshold: 1.25, cpuBalance: .nan, loopBalance: nil, softirqConcentration: nil,
            reasons: ["no samples were taken"], cpus: [0, 1], intervals: [], loops: [], load: nil, queues: [],
            findings: [])
    }

    static let hostileInterface = "eth<0>&\"x\""

    /// A small linear congruential generator: noise that is the same on every run.
    struct Noise {
        private var state: UInt64 = 0x9E37_79B9_7F4A_7C15

        mutating func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(UInt64(1) << 53)
        }
    }
}
