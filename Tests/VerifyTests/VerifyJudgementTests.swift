import HostKit
import Testing

@testable import Verify

@Suite("verify judgement")
struct VerifyJudgementTests {
    func share(_ busy: Double, softirq: Double = 0) -> VerifyReport.CPUShare {
        VerifyReport.CPUShare(user: busy - softirq, system: 0, irq: 0, softirq: softirq)
    }

    func loop(_ index: Int, _ busy: Double) -> VerifyReport.LoopRow {
        VerifyReport.LoopRow(index: index, threadID: 100 + index, pinnedCPU: nil, lastCPU: nil, connections: 10, busy: busy)
    }

    @Test("even cores and loops pass, with the reasons stated")
    func balanced() {
        let judgement = VerifyJudgement.judge(
            cpus: [0, 1], means: [share(0.6, softirq: 0.1), share(0.55, softirq: 0.09)], loops: [loop(0, 0.4), loop(1, 0.38)],
            threshold: 1.25, receivedPackets: [51_000, 49_000])
        #expect(judgement.verdict == .pass)
        #expect(abs(judgement.cpuBalance - 0.6 / 0.575) < 1e-9)
        #expect(judgement.sentences.count == 3)
        #expect(judgement.sentences.last!.hasPrefix("receive processing is spread"))
    }

    @Test("one hot core fails on CPU balance, naming the core")
    func hotCore() {
        let judgement = VerifyJudgement.judge(cpus: [0, 1, 2, 3], means: [share(0.95), share(0.3), share(0.3), share(0.3)], loops: [], threshold: 1.25)
        #expect(judgement.verdict == .fail)
        #expect(judgement.sentences[0].contains("CPU 0 95.0 % busy"))
        #expect(judgement.loopBalance == nil)
    }

    @Test("one busy loop fails on loop balance even when the cores look even")
    func hotLoop() {
        let judgement = VerifyJudgement.judge(cpus: [0, 1], means: [share(0.5), share(0.5)], loops: [loop(0, 0.9), loop(1, 0.3)], threshold: 1.25)
        #expect(judgement.verdict == .fail)
        #expect(judgement.sentences.contains { $0.contains("CM loop balance 1.5") && $0.contains("loop 0") })
    }

    @Test("all received packets on one CPU fail even when busy time is even; too few packets are not judged")
    func receiveOnOneCPU() {
        let even = [share(0.5, softirq: 0.2), share(0.5, softirq: 0.1)]
        let piled = VerifyJudgement.judge(cpus: [0, 1], means: even, loops: [], threshold: 1.25, receivedPackets: [99_000, 100])
        #expect(piled.verdict == .fail)
        #expect(piled.sentences.contains { $0.hasPrefix("receive processing is on one CPU: CPU 0 processed 99.9 %") })
        let few = VerifyJudgement.judge(cpus: [0, 1], means: even, loops: [], threshold: 1.25, receivedPackets: [900, 0])
        #expect(few.sentences.allSatisfy { !$0.hasPrefix("receive processing") })
    }

    @Test("without packet counts, softirq time concentrated on one CPU fails")
    func softirqTime() {
        let judgement = VerifyJudgement.judge(
            cpus: [0, 1, 2, 3], means: [share(0.5, softirq: 0.45), share(0.45, softirq: 0.01), share(0.45, softirq: 0.01), share(0.45, softirq: 0.01)],
            loops: [], threshold: 1.25)
        #expect(judgement.verdict == .fail)
        #expect(abs(judgement.softirqConcentration! - 0.45 / 0.48) < 1e-9)
    }
}

@Suite("thread times")
struct ThreadTimesTests {
    @Test("stat fields are counted after the name, which may hold spaces and parentheses")
    func parseStat() throws {
        // utime 1500, stime 250, processor 3 (fields 14, 15, 39).
        let fields = (3...52).map { field -> String in
            switch field {
            case 3: return "S"
            case 14: return "1500"
            case 15: return "250"
            case 39: return "3"
            default: return "0"
            }
        }
        let stat = "4242 (NIO-ELT-0-#1 (x)) " + fields.joined(separator: " ")
        let thread = try #require(ThreadTimes.parse(stat: stat, id: 4242))
        #expect(thread.ticks == 1750 && thread.processor == 3)
        #expect(ThreadTimes.parse(stat: "garbage", id: 1) == nil)
    }

    @Test("a thread allowed on one CPU is pinned there; on several it is not")
    func pinned() {
        let one = ThreadTimes.allowedCPUs(inStatus: "Name:\tNIO-ELT-0-#0\nCpus_allowed:\t2\nCpus_allowed_list:\t1\n")
        #expect(one?.count == 1 && one?.first == 1)
        var thread = ThreadTimes.Thread(id: 1, name: "NIO-ELT-0-#0", ticks: 0, processor: 1, allowedCPUs: one)
        #expect(thread.pinnedCPU == 1)
        thread.allowedCPUs = ThreadTimes.allowedCPUs(inStatus: "Cpus_allowed_list:\t0-3\n")
        #expect(thread.pinnedCPU == nil)
        #expect(ThreadTimes.allowedCPUs(inStatus: "Name:\tx\n") == nil)
    }
}
