import Testing
import Verify

@Suite("verify reasons")
struct VerifyReasonTests {
    @Test("each reason's sentence, over and within the threshold")
    func sentences() {
        let cpu = VerifyReason.BusiestCPU(cpu: 2, busy: 0.95, mean: 0.4)
        #expect(
            VerifyReason.cpuBalance(.init(ratio: 2.375, threshold: 1.25, busiest: cpu)).sentence
                == "CPU balance 2.38 is over 1.25: CPU 2 95.0 % busy against a mean of 40.0 %")
        #expect(
            VerifyReason.cpuBalance(.init(ratio: 1.1, threshold: 1.25, busiest: nil)).sentence
                == "CPU balance 1.1 is within 1.25 (no CPU data)")
        let loop = VerifyReason.BusiestLoop(loop: 1, threadID: 77, busy: 0.5, mean: 0.45)
        #expect(
            VerifyReason.loopBalance(.init(ratio: 1.11, threshold: 1.25, busiest: loop)).sentence
                == "CM loop balance 1.11 is within 1.25 (loop 1 (thread 77) 50.0 % busy against a mean of 45.0 %)")
        #expect(
            VerifyReason.softirq(.init(cpu: 0, share: 0.9, even: 0.5, concentrated: true)).sentence
                == "softirq is concentrated: CPU 0 does 90.0 % of all softirq work (even would be 50.0 %); receive processing (RSS/RPS) is not spread")
        #expect(
            VerifyReason.receiveProcessing(.init(cpu: 1, share: 0.52, even: 0.5, concentrated: false, packets: 4000)).sentence
                == "receive processing is spread: CPU 1 processed 52.0 % of the 4000 received packets (even would be 50.0 %)")
    }

    @Test("what fails a run: a balance over the threshold or a pile-up; lost messages are reported beside")
    func fails() {
        #expect(VerifyReason.cpuBalance(.init(ratio: 1.3, threshold: 1.25, busiest: nil)).fails)
        #expect(!VerifyReason.cpuBalance(.init(ratio: 1.25, threshold: 1.25, busiest: nil)).fails)
        #expect(VerifyReason.softirq(.init(cpu: 0, share: 0.9, even: 0.5, concentrated: true)).fails)
        #expect(VerifyReason.softirq(.init(cpu: 0, share: 0.9, even: 0.5, concentrated: true)).receiveOnOneCPU == nil)
        #expect(!VerifyReason.lostMessages(5).fails)
    }

    @Test("connections per loop from the CM's Prometheus text; the fuller scrape is kept")
    func loopConnections() {
        let text = """
            # HELP cm_connections Open connections
            # TYPE cm_connections gauge
            cm_connections{loop="0"} 151
            cm_connections{loop="1"} 149.0
            cm_connections{loop="x"} 3
            cm_sessions 300
            """
        let counts = LoopConnectionCounts.parse(text)
        #expect(counts == [0: 151, 1: 149])
        #expect(LoopConnectionCounts.fuller(counts, [0: 10]) == counts)
        #expect(LoopConnectionCounts.fuller([0: 10], counts) == counts)
        #expect(LoopConnectionCounts.parse("") == [:])
    }
}
