/// The one sentence a reason becomes in the terminal, the JSON `reasons` and the HTML report.
extension VerifyReason {
    public var sentence: String {
        switch self {
        case .cpuBalance(let balance):
            let detail = balance.busiest.map { "CPU \($0.cpu) \(Self.percent($0.busy)) busy against a mean of \(Self.percent($0.mean))" } ?? "no CPU data"
            return Self.balanceSentence("CPU balance", balance.ratio, balance.threshold, detail)
        case .loopBalance(let balance):
            let detail =
                balance.busiest.map {
                    "loop \($0.loop) (thread \($0.threadID)) \(Self.percent($0.busy)) busy against a mean of \(Self.percent($0.mean))"
                } ?? "no loop data"
            return Self.balanceSentence("CM loop balance", balance.ratio, balance.threshold, detail)
        case .receiveProcessing(let concentration):
            let detail =
                "CPU \(concentration.cpu) processed \(Self.percent(concentration.share)) of the \(concentration.packets ?? 0) received packets (even would be \(Self.percent(concentration.even)))"
            return concentration.concentrated
                ? "receive processing is on one CPU: \(detail); RSS/RPS do not spread it"
                : "receive processing is spread: \(detail)"
        case .softirq(let concentration):
            let detail =
                "CPU \(concentration.cpu) does \(Self.percent(concentration.share)) of all softirq work (even would be \(Self.percent(concentration.even)))"
            return concentration.concentrated
                ? "softirq is concentrated: \(detail); receive processing (RSS/RPS) is not spread"
                : "softirq is spread: \(detail)"
        case .lostMessages(let count):
            return "\(count) messages acked as delivered never arrived"
        }
    }

    private static func balanceSentence(_ what: String, _ ratio: Double, _ threshold: Double, _ detail: String) -> String {
        ratio > threshold
            ? "\(what) \(Self.ratio(ratio)) is over \(Self.ratio(threshold)): \(detail)"
            : "\(what) \(Self.ratio(ratio)) is within \(Self.ratio(threshold)) (\(detail))"
    }

    /// "95.0 %": one decimal, as every verify sentence has printed it.
    static func percent(_ share: Double) -> String {
        "\(Double(Int((share * 1000).rounded())) / 10) %"
    }

    /// "1.25": two decimals.
    static func ratio(_ value: Double) -> String {
        "\(Double(Int((value * 100).rounded())) / 100)"
    }
}
