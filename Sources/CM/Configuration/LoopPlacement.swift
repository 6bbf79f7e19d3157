import HostKit

/// How many event loops the CM runs and where their threads go: `--loops auto|N`,
/// `--pin auto|off|CPULIST`.
///
/// `auto` pinning keeps the loops off the CPUs that take the NICs' hard interrupts when cmtune
/// placed those (`cmtune spread`): the kernel's receive work and the CM's then do not compete
/// for a core. When cmtune has not placed them, the interrupts may move, so every online CPU is
/// used.
public enum LoopPlacement {
    public enum Pin: Sendable, Equatable {
        case auto, off
        case cpus(CPUSet)
    }

    public struct Plan: Sendable, Equatable {
        /// One entry per loop: its CPU, or nil when not pinned.
        public var loopCPUs: [Int?]
        /// A sentence for the operator: why these CPUs.
        public var explanation: String
    }

    public struct PlacementError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// - Parameters:
    ///   - loops: the loop count asked for, nil for auto (one per CPU used).
    ///   - nicIRQCPUs: the CPUs that take NIC queue interrupts placed by cmtune, nil when cmtune
    ///     has not placed them (no applied spread snapshot).
    public static func plan(loops: Int?, pin: Pin, online: CPUSet, nicIRQCPUs: CPUSet?) throws(PlacementError) -> Plan {
        if let loops, loops < 1 { throw PlacementError(description: "--loops \(loops): at least one loop") }
        guard !online.isEmpty else { throw PlacementError(description: "no online CPU found") }
        let cpus: [Int]
        let why: String
        switch pin {
        case .off:
            let count = loops ?? online.count
            return Plan(loopCPUs: Array(repeating: nil, count: count), explanation: "\(count) loops, not pinned")
        case .cpus(let requested):
            let offline = requested.subtracting(online)
            guard offline.isEmpty else {
                throw PlacementError(description: "--pin \(requested.listString): CPU \(offline.listString) is not online (online: \(online.listString))")
            }
            guard !requested.isEmpty else { throw PlacementError(description: "--pin: empty CPU list") }
            cpus = Array(requested)
            why = "as asked"
        case .auto:
            if let nicIRQCPUs, !nicIRQCPUs.isEmpty {
                let free = online.subtracting(nicIRQCPUs)
                if free.isEmpty {
                    cpus = Array(online)
                    why = "every online CPU takes NIC interrupts placed by cmtune, so all are used"
                } else {
                    cpus = Array(free)
                    why = "CPU \(nicIRQCPUs.intersection(online).listString) take NIC interrupts placed by cmtune spread"
                }
            } else {
                cpus = Array(online)
                why = "all online CPUs (cmtune has not placed NIC interrupts)"
            }
        }
        let count = loops ?? cpus.count
        // More loops than CPUs share them round-robin; fewer take the first ones.
        let loopCPUs = (0..<count).map { Optional(cpus[$0 % cpus.count]) }
        let used = CPUSet(loopCPUs.compactMap { $0 })
        return Plan(loopCPUs: loopCPUs, explanation: "\(count) loop\(count == 1 ? "" : "s") pinned to CPU \(used.listString): \(why)")
    }
}
