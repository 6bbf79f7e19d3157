import Testing
import Verify

@Suite("verify report model")
struct VerifyReportTests {
    @Test("mean shares average every interval per CPU")
    func meanShares() {
        let report = VerifyReport(
            host: "h", kernel: "6.1", startedAt: "2026-11-27T00:00:00Z", duration: 2, verdict: .pass, threshold: 1.25,
            cpuBalance: 1, loopBalance: nil, softirqConcentration: nil, reasons: [], cpus: [0, 1],
            intervals: [
                .init(offset: 1, cpus: [.init(user: 0.2, system: 0.1, irq: 0, softirq: 0.1), .init(user: 0.4, system: 0, irq: 0, softirq: 0)]),
                .init(offset: 2, cpus: [.init(user: 0.4, system: 0.1, irq: 0.02, softirq: 0.3), .init(user: 0.2, system: 0, irq: 0, softirq: 0)]),
            ],
            loops: [], load: nil, queues: [], findings: [])
        let means = report.meanShares
        #expect(abs(means[0].user - 0.3) < 1e-9 && abs(means[0].softirq - 0.2) < 1e-9 && abs(means[0].irq - 0.01) < 1e-9)
        #expect(abs(means[1].busy - 0.3) < 1e-9)
    }
}
