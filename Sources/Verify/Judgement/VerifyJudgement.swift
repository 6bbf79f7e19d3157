/// The verdict from what was sampled: is the load spread evenly over the cores and the CM's
/// loops, and is receive softirq work spread rather than piled on one CPU?
///
/// Balance is busiest / mean (1.0 is perfect; with N CPUs the worst is N). A host fails when
/// either balance is over the threshold, or when one CPU carries most of the softirq work while
/// softirq is a real share of the load: that is the single-CPU saturation cmtune exists for,
/// even before it shows in the balance.
public struct VerifyJudgement: Sendable, Equatable {
    public var cpuBalance: Double
    public var loopBalance: Double?
    public var softirqConcentration: Double?
    public var verdict: VerifyReport.Verdict
    public var reasons: [VerifyReason]

    /// The reasons as the user reads them.
    public var sentences: [String] { reasons.map(\.sentence) }

    /// Softirq below this share of one CPU (summed over all CPUs) is too little to judge where
    /// it goes.
    public static let softirqFloor = 0.05

    /// Fewer received packets than this over the window are too few to judge where receive
    /// processing goes.
    public static let receivedFloor: UInt64 = 1000

    /// - Parameter receivedPackets: packets each CPU took through the receive path over the
    ///   window (/proc/net/softnet_stat, "processed"), in the order of `cpus`: where receive
    ///   processing ran, which softirq time alone blurs with timers, RCU and transmit work.
    public static func judge(
        cpus: [Int], means: [VerifyReport.CPUShare], loops: [VerifyReport.LoopRow], threshold: Double, receivedPackets: [UInt64]? = nil
    ) -> VerifyJudgement {
        let busy = means.map(\.busy)
        let cpuBalance = balance(busy)
        let loopBusy = loops.map(\.busy)
        let loopBalance = loopBusy.isEmpty ? nil : balance(loopBusy)
        let softirq = means.map(\.softirq)
        let softirqTotal = softirq.reduce(0, +)
        let concentration = softirqTotal > 0 ? softirq.max()! / softirqTotal : nil

        var reasons: [VerifyReason] = []
        let busiest = busy.indices.max { busy[$0] < busy[$1] }
        reasons.append(
            .cpuBalance(
                .init(
                    ratio: cpuBalance, threshold: threshold,
                    busiest: busiest.map { VerifyReason.BusiestCPU(cpu: cpus[$0], busy: busy[$0], mean: mean(busy)) })))
        if let loopBalance {
            let busiestLoop = loops.max { $0.busy < $1.busy }!
            reasons.append(
                .loopBalance(
                    .init(
                        ratio: loopBalance, threshold: threshold,
                        busiest: VerifyReason.BusiestLoop(
                            loop: busiestLoop.index, threadID: busiestLoop.threadID, busy: busiestLoop.busy, mean: mean(loopBusy)))))
        }
        // Even would be 1/N of receive work per CPU; over the threshold times that (with room
        // for noise, and never above 95 %) is a pile-up on one CPU.
        let even = 1 / Double(max(cpus.count, 1))
        let concentrationLimit = min(0.95, even * threshold * 1.2)
        let receivedTotal = receivedPackets?.reduce(0, +) ?? 0
        if let receivedPackets, cpus.count > 1, receivedTotal >= receivedFloor, receivedPackets.count == cpus.count {
            let hot = receivedPackets.indices.max { receivedPackets[$0] < receivedPackets[$1] }!
            let share = Double(receivedPackets[hot]) / Double(receivedTotal)
            reasons.append(
                .receiveProcessing(
                    .init(
                        cpu: cpus[hot], share: share, even: even, concentrated: share > concentrationLimit, packets: receivedTotal)))
        } else if let concentration, cpus.count > 1, softirqTotal >= softirqFloor {
            let hot = softirq.indices.max { softirq[$0] < softirq[$1] }!
            reasons.append(
                .softirq(
                    .init(
                        cpu: cpus[hot], share: concentration, even: even, concentrated: concentration > concentrationLimit)))
        }
        return VerifyJudgement(
            cpuBalance: cpuBalance, loopBalance: loopBalance, softirqConcentration: concentration,
            verdict: reasons.contains(where: \.fails) ? .fail : .pass, reasons: reasons)
    }

    static func balance(_ values: [Double]) -> Double {
        let average = mean(values)
        guard average > 0, let top = values.max() else { return 1 }
        return top / average
    }

    static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }
}
