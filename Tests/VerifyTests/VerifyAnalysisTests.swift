import HostKit
import Load
import Testing
import Verify

/// Samples and a load result to a verdict, from synthetic samples: no root, no CM, no clock.
@Suite("verify analysis")
struct VerifyAnalysisTests {
    static let samples = (0...6).map { SyntheticRun.sample(at: $0) }

    static func analyse(
        _ samples: [VerifySample] = samples, load: LoadResult = SyntheticRun.load(), connections: [Int: Int] = [0: 150, 1: 150]
    ) throws -> VerifyAnalysis {
        try VerifyAnalysis.analyse(
            samples: samples, loadStart: 0, load: load, online: CPUSet([0, 1]), threshold: 1.25,
            loopConnections: connections, ticksPerSecond: 100)
    }

    @Test("the window is the measured phase: after the ramp, plus the sampler's half-second lag")
    func window() throws {
        let analysis = try Self.analyse()
        // ramp 1 s, measured 3 s: samples from 1.5 s to 4.5 s.
        #expect(analysis.window.map(\.time) == [2, 3, 4])
        #expect(analysis.duration == 2)
        #expect(analysis.intervals.map(\.offset) == [3, 4])
    }

    @Test("a run too short for the window is judged on every sample; fewer than two is an error")
    func shortRuns() throws {
        let short = try Self.analyse(Array(Self.samples.prefix(2)), load: SyntheticRun.load(rampSeconds: 5, seconds: 3))
        #expect(short.window.map(\.time) == [0, 1])
        #expect(throws: VerifyAnalysis.Failure.tooFewSamples(1)) { try Self.analyse([Self.samples[0]]) }
        #expect(VerifyAnalysis.Failure.tooFewSamples(0).description == "the load ended before two samples were taken")
    }

    @Test("each CPU's shares come from CounterRates, as fractions, in the order of the online CPUs")
    func shares() throws {
        let analysis = try Self.analyse()
        #expect(analysis.cpus == [0, 1])
        for interval in analysis.intervals {
            #expect(interval.cpus[0] == VerifyReport.CPUShare(user: 0.5, system: 0.1, irq: 0, softirq: 0.3))
            #expect(interval.cpus[1] == VerifyReport.CPUShare(user: 0.5, system: 0.1, irq: 0, softirq: 0))
        }
    }

    /// The formula `verify` used before it read CounterRates: the same numbers to the last bits.
    @Test("shares agree with the direct tick arithmetic verify used before")
    func sharesMatchDirectArithmetic() throws {
        var first = SyntheticRun.sample(at: 3)
        var second = SyntheticRun.sample(at: 4)
        first.counters.cpuTimes!.cpus[1]!.nice = 7
        second.counters.cpuTimes!.cpus[1]!.nice = 19
        second.counters.cpuTimes!.cpus[1]!.irq = 3
        let series = CPUShareSeries.intervals([first, second], cpus: [0, 1], origin: 0)
        for cpu in [0, 1] {
            let a = first.counters.cpuTimes!.cpus[cpu]!
            let b = second.counters.cpuTimes!.cpus[cpu]!
            let total = Double(b.total - a.total)
            func part(_ new: UInt64, _ old: UInt64) -> Double { new >= old ? Double(new - old) / total : 0 }
            let direct = VerifyReport.CPUShare(
                user: part(b.user + b.nice, a.user + a.nice), system: part(b.system, a.system), irq: part(b.irq, a.irq),
                softirq: part(b.softirq, a.softirq))
            let share = series[0].cpus[cpu]
            #expect(abs(share.user - direct.user) < 1e-12 && abs(share.system - direct.system) < 1e-12)
            #expect(abs(share.irq - direct.irq) < 1e-12 && abs(share.softirq - direct.softirq) < 1e-12)
        }
    }

    @Test("a CPU missing from a sample has zero shares in that interval")
    func missingCPU() throws {
        var samples = Self.samples
        samples[3].counters.cpuTimes!.cpus[1] = nil
        let analysis = try Self.analyse(samples)
        #expect(analysis.intervals[0].cpus[1] == VerifyReport.CPUShare(user: 0, system: 0, irq: 0, softirq: 0))
    }

    @Test("the loops are the busiest NIO group, in loop order, with connections from the metrics")
    func loops() throws {
        let loops = try Self.analyse().loops
        #expect(loops.map(\.threadID) == [10, 11])
        #expect(loops.map(\.index) == [0, 1])
        #expect(loops.map(\.busy) == [0.5, 0.4])
        #expect(loops.map(\.pinnedCPU) == [0, 1] && loops.map(\.lastCPU) == [0, 1])
        #expect(loops.map(\.connections) == [150, 150])
        #expect(try Self.analyse(connections: [:]).loops.map(\.connections) == [0, 0])
    }

    @Test("receive processing on CPU 0 fails the run with a typed reason; lost messages follow it")
    func verdict() throws {
        let analysis = try Self.analyse(load: SyntheticRun.load(lost: 3))
        #expect(analysis.judgement.verdict == .fail)
        let pileUp = try #require(analysis.reasons.compactMap(\.receiveOnOneCPU).first)
        #expect(pileUp.cpu == 0 && pileUp.packets == 20_200 && abs(pileUp.share - 10_000.0 / 10_100) < 1e-12)
        #expect(analysis.reasons.last == .lostMessages(3))
        #expect(analysis.reasons.map(\.sentence).last == "3 messages acked as delivered never arrived")
        guard case .cpuBalance(let balance) = analysis.reasons[0] else {
            Issue.record("CPU balance first")
            return
        }
        #expect(balance.busiest?.cpu == 0 && !balance.isOver)
        #expect(analysis.load.lost == 3 && analysis.load.latency?.p99 == 2.5)
    }

    @Test("the report made from an analysis carries its numbers and its reasons as sentences")
    func report() throws {
        let analysis = try Self.analyse()
        let report = VerifyReport(
            analysis: analysis, host: "h", kernel: "k", startedAt: "t", threshold: 1.25, queues: [], findings: [])
        #expect(report.reasons == analysis.judgement.sentences)
        #expect(report.reasons.contains { $0.hasPrefix("receive processing is on one CPU: CPU 0 processed 99.0 % of the 20200 received packets") })
        #expect(report.verdict == .fail && report.cpus == [0, 1] && report.intervals.count == 2 && report.loops.count == 2)
        #expect(abs(report.cpuMeans[0].busy - 0.9) < 1e-12)
        let finding = VerifyReport.Finding.receiveOnOneCPU(
            analysis.reasons.first { $0.receiveOnOneCPU != nil }!, cmDevice: "vcm1", loadDevice: "vld1", rpsCPUs: "0", onlineMask: "3")
        #expect(finding.code == "receive-one-cpu" && finding.title == "receive processing of vcm1 and vld1 runs on CPU 0 only")
        #expect(finding.evidence.hasSuffix("; rps_cpus of every receive queue is CPU 0"))
    }
}
