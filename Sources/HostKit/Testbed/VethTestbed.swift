/// A veth pair with N queues between two network namespaces (or with both ends in one): a real
/// multi-queue device on any machine, with RPS and XPS, on which `verify --netns` runs a CM and
/// its load and the tests exercise Netlink, capture and diagnose. Needs root.
///
/// Creation and removal are idempotent: `create()` first removes what an earlier run with the
/// same names left, and on any failure removes what it made; `remove()` may be called any number
/// of times, from any exit path (a `defer`, a signal handler).
public struct VethTestbed: Sendable, Equatable {
    /// One end of the pair: the namespace it lives in, its device name, and its IPv4 address
    /// (with `prefixLength`) when it has one.
    public struct End: Sendable, Equatable {
        public var namespace: String
        public var device: String
        public var address: String?

        public init(namespace: String, device: String, address: String? = nil) {
            self.namespace = namespace
            self.device = device
            self.address = address
        }
    }

    public var first: End
    public var second: End
    /// Receive and transmit queues of each end.
    public var queues: Int
    public var prefixLength = 24

    public init(first: End, second: End, queues: Int = 1) {
        self.first = first
        self.second = second
        self.queues = queues
    }

    /// The namespaces, each once.
    public var namespaces: [String] {
        first.namespace == second.namespace ? [first.namespace] : [first.namespace, second.namespace]
    }

    /// Makes the namespaces and the pair, addresses the ends that have one (and brings up their
    /// loopback), and brings both ends up. On failure nothing is left behind.
    public func create() throws(TestbedError) {
        remove()
        do {
            for namespace in namespaces { try ToolCommand.run(["ip", "netns", "add", namespace]) }
            try ToolCommand.run(linkCommand)
            for end in [first, second] {
                if let address = end.address {
                    try ToolCommand.run(["ip", "-n", end.namespace, "addr", "add", "\(address)/\(prefixLength)", "dev", end.device])
                }
            }
            for namespace in namespaces where [first, second].contains(where: { $0.namespace == namespace && $0.address != nil }) {
                try ToolCommand.run(["ip", "-n", namespace, "link", "set", "lo", "up"])
            }
            // The netdev family lists only the queues of a device that is up.
            for end in [first, second] { try ToolCommand.run(["ip", "-n", end.namespace, "link", "set", end.device, "up"]) }
        } catch {
            remove()
            throw error
        }
    }

    /// Deletes the namespaces, and with them the pair; what is already gone is not an error.
    public func remove() {
        for namespace in namespaces { _ = try? ToolCommand.run(["ip", "netns", "delete", namespace]) }
    }

    /// Creates the testbed, runs `body`, and removes it whatever happens.
    public func with<T, E: Error>(_ body: (VethTestbed) throws(E) -> T) throws -> T {
        try create()
        defer { remove() }
        return try body(self)
    }

    /// Made inside the first namespace and never visible in the host's: a tool reading the
    /// host's interfaces meanwhile (`cmtune nic`, a monitoring agent) sees nothing come and go.
    private var linkCommand: [String] {
        let count = String(queues)
        var command = [
            "ip", "-n", first.namespace, "link", "add", first.device, "numtxqueues", count, "numrxqueues", count,
            "type", "veth", "peer", "name", second.device,
        ]
        if second.namespace != first.namespace { command += ["netns", second.namespace] }
        return command + ["numtxqueues", count, "numrxqueues", count]
    }
}
