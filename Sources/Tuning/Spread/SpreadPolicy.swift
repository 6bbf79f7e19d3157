import HostKit

/// What the user asked `spread` to do. Every field has the default an operator of a CM host
/// wants; the CLI flags override them one by one.
public struct SpreadPolicy: Sendable, Equatable, Codable {
    public enum Channels: Sendable, Equatable, Codable {
        /// Raise to what the NIC supports, but not beyond the CPUs that can take its IRQs.
        case max
        /// Leave the channel count alone.
        case keep
        /// Set exactly this many (combined, or rx and tx when the NIC has no combined channels).
        case count(UInt32)
    }

    public enum Switch: String, Sendable, Equatable, Codable {
        /// On where it helps (RPS: fewer receive queues than CPUs; XPS: several tx queues).
        case auto
        case on
        case off
    }

    public enum RFS: Sendable, Equatable, Codable {
        /// On wherever RPS is, with the scaling guide's sizes.
        case auto
        case off
        /// This many global socket-flow entries (rounded up to a power of two by the kernel).
        case entries(Int)
    }

    /// Interfaces to spread; empty means every interface with queues.
    public var interfaces: [String]
    /// The CPUs that may take network work; nil means every online CPU.
    public var cpus: CPUSet?
    /// CPUs never to use, on top of isolated and nohz_full ones.
    public var excludedCPUs: CPUSet
    public var channels: Channels
    public var rps: Switch
    public var rfs: RFS
    public var xps: Switch
    /// What to do about a running irqbalance; saved with the policy so a boot-time re-apply
    /// makes the same choice.
    public var irqbalance: IRQBalancePolicy
    /// `--cpus-for-irqs N`: keep IRQs and RPS on N CPUs (whole cores, near the NICs) and leave
    /// the rest to the application; nil spreads over every usable CPU.
    public var irqCPUCount: Int?
    /// A systemd unit (the CM's, when it is not ours) that `--persist` pins to the CPUs left
    /// to the application with a `CPUAffinity=` drop-in.
    public var applicationUnit: String?

    public init(
        interfaces: [String] = [], cpus: CPUSet? = nil, excludedCPUs: CPUSet = [], channels: Channels = .max, rps: Switch = .auto,
        rfs: RFS = .auto, xps: Switch = .auto, irqbalance: IRQBalancePolicy = .refuse, irqCPUCount: Int? = nil, applicationUnit: String? = nil
    ) {
        self.interfaces = interfaces
        self.cpus = cpus
        self.excludedCPUs = excludedCPUs
        self.channels = channels
        self.rps = rps
        self.rfs = rfs
        self.xps = xps
        self.irqbalance = irqbalance
        self.irqCPUCount = irqCPUCount
        self.applicationUnit = applicationUnit
    }

    private enum CodingKeys: String, CodingKey { case interfaces, cpus, excludedCPUs, channels, rps, rfs, xps, irqbalance, irqCPUCount, applicationUnit }

    /// Missing keys take their defaults, so a policy file written by an older cmtune still loads.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            interfaces: try container.decodeIfPresent([String].self, forKey: .interfaces) ?? [],
            cpus: try container.decodeIfPresent(CPUSet.self, forKey: .cpus),
            excludedCPUs: try container.decodeIfPresent(CPUSet.self, forKey: .excludedCPUs) ?? [],
            channels: try container.decodeIfPresent(Channels.self, forKey: .channels) ?? .max,
            rps: try container.decodeIfPresent(Switch.self, forKey: .rps) ?? .auto,
            rfs: try container.decodeIfPresent(RFS.self, forKey: .rfs) ?? .auto,
            xps: try container.decodeIfPresent(Switch.self, forKey: .xps) ?? .auto,
            irqbalance: try container.decodeIfPresent(IRQBalancePolicy.self, forKey: .irqbalance) ?? .refuse,
            irqCPUCount: try container.decodeIfPresent(Int.self, forKey: .irqCPUCount),
            applicationUnit: try container.decodeIfPresent(String.self, forKey: .applicationUnit))
    }
}
