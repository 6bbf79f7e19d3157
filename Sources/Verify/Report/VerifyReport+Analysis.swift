/// The report of a run from its analysis, with what the caller read about the host.
extension VerifyReport {
    public init(
        analysis: VerifyAnalysis, host: String, kernel: String, startedAt: String, threshold: Double,
        queues: [QueueRow], findings: [Finding]
    ) {
        self.init(
            host: host, kernel: kernel, startedAt: startedAt, duration: analysis.duration,
            verdict: analysis.judgement.verdict, threshold: threshold, cpuBalance: analysis.judgement.cpuBalance,
            loopBalance: analysis.judgement.loopBalance, softirqConcentration: analysis.judgement.softirqConcentration,
            reasons: analysis.reasons.map(\.sentence), cpus: analysis.cpus, intervals: analysis.intervals,
            loops: analysis.loops, load: analysis.load, queues: queues, findings: findings)
    }
}
