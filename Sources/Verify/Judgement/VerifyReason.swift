/// Why a verdict is what it is, one case per thing `verify` judges, with the numbers it was
/// judged on. Code that acts on a reason (the receive-on-one-CPU finding) matches a case; the
/// sentence the user reads is made from it at the edge (`sentence`).
public enum VerifyReason: Sendable, Equatable {
    /// Busiest CPU's busy share over the mean of all CPUs'.
    case cpuBalance(Balance<BusiestCPU>)
    /// Busiest CM event loop's busy share over the mean of the loops'.
    case loopBalance(Balance<BusiestLoop>)
    /// Where received packets were processed (softnet_stat "processed"), when enough arrived.
    case receiveProcessing(Concentration)
    /// Where softirq time went, when packet counts could not tell.
    case softirq(Concentration)
    /// Messages the CM acked as delivered that never arrived.
    case lostMessages(Int)

    /// A balance ratio against the threshold, and who was busiest.
    public struct Balance<Busiest: Sendable & Equatable>: Sendable, Equatable {
        public var ratio: Double
        public var threshold: Double
        /// Nil when there was nothing to compare (no CPU data).
        public var busiest: Busiest?

        public init(ratio: Double, threshold: Double, busiest: Busiest?) {
            self.ratio = ratio
            self.threshold = threshold
            self.busiest = busiest
        }

        public var isOver: Bool { ratio > threshold }
    }

    public struct BusiestCPU: Sendable, Equatable {
        public var cpu: Int
        public var busy: Double
        public var mean: Double

        public init(cpu: Int, busy: Double, mean: Double) {
            self.cpu = cpu
            self.busy = busy
            self.mean = mean
        }
    }

    public struct BusiestLoop: Sendable, Equatable {
        public var loop: Int
        public var threadID: Int
        public var busy: Double
        public var mean: Double

        public init(loop: Int, threadID: Int, busy: Double, mean: Double) {
            self.loop = loop
            self.threadID = threadID
            self.busy = busy
            self.mean = mean
        }
    }

    /// The hottest CPU's share of some work, what an even share would be, and whether that is a
    /// pile-up on one CPU.
    public struct Concentration: Sendable, Equatable {
        public var cpu: Int
        public var share: Double
        public var even: Double
        public var concentrated: Bool
        /// Received packets over the window (receive processing only).
        public var packets: UInt64?

        public init(cpu: Int, share: Double, even: Double, concentrated: Bool, packets: UInt64? = nil) {
            self.cpu = cpu
            self.share = share
            self.even = even
            self.concentrated = concentrated
            self.packets = packets
        }
    }

    /// True when this reason alone fails the run.
    public var fails: Bool {
        switch self {
        case .cpuBalance(let balance): balance.isOver
        case .loopBalance(let balance): balance.isOver
        case .receiveProcessing(let concentration), .softirq(let concentration): concentration.concentrated
        // Lost messages are reported beside the verdict; the load's own exit status judges them.
        case .lostMessages: false
        }
    }

    /// The receive-processing pile-up, when this reason is one.
    public var receiveOnOneCPU: Concentration? {
        if case .receiveProcessing(let concentration) = self, concentration.concentrated { return concentration }
        return nil
    }
}
