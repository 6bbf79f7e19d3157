/// Receive packet steering of a testbed end, read and written through HostKit's sysfs calls on
/// the namespace's own sysfs (a veth has no hardware IRQ: RPS is what spreads or concentrates
/// its receive work).
extension VethTestbed {
    /// One queue's steering as the kernel reports it: CPU lists, nil when unreadable.
    public struct QueueSteering: Sendable, Equatable {
        public var queue: String
        public var rpsCPUs: String?
        public var xpsCPUs: String?
    }

    /// Writes `cpus` to rps_cpus of every receive queue of `end`.
    public func setReceiveSteering(_ cpus: CPUSet, on end: End) throws(TestbedError) {
        let mask = cpus.maskString()
        try NamespaceSysfs.with(end.namespace) { (root) throws(TestbedError) in
            for queue in 0..<queues {
                do throws(HostError) {
                    try root.write("sys/class/net/\(end.device)/queues/rx-\(queue)/rps_cpus", mask + "\n")
                } catch {
                    throw .sysfs(error)
                }
            }
        }
    }

    /// rps_cpus of each receive queue and xps_cpus of the transmit queue with the same number.
    public func steering(of end: End) throws(TestbedError) -> [QueueSteering] {
        try NamespaceSysfs.with(end.namespace) { (root) throws(TestbedError) in
            (0..<queues).map { queue in
                let base = "sys/class/net/\(end.device)/queues"
                return QueueSteering(
                    queue: "rx-\(queue)", rpsCPUs: Self.cpuList(root, "\(base)/rx-\(queue)/rps_cpus"),
                    xpsCPUs: Self.cpuList(root, "\(base)/tx-\(queue)/xps_cpus"))
            }
        }
    }

    private static func cpuList(_ root: HostRoot, _ path: String) -> String? {
        guard let text = try? root.read(path) else { return nil }
        return (try? CPUSet(parsingMask: text.trimmingWhitespace()))?.listString
    }
}
