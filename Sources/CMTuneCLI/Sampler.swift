import HostKit
import Netlink
import Tuning

/// Takes counter samples of a root, with per-queue packet counters for the inventory's
/// interfaces when the live kernel has them.
struct Sampler {
    let root: HostRoot
    let requests: [CounterSample.QueueRequest]
    let queueSource: (any QueueCountersSource)?

    init(root: HostRoot, inventory: HostInventory) {
        self.root = root
        requests = inventory.interfaces.compactMap { report in
            report.interface.ifindex.map { CounterSample.QueueRequest(interface: report.name, ifindex: $0) }
        }
        queueSource = root.isLiveSystem ? LiveQueueCounters() : nil
    }

    func sample() -> CounterSample {
        CounterSample.read(from: root, queueSource: queueSource, queueRequests: requests)
    }
}

/// Readings of the TCP stack and the NICs' error counters, with the drivers' drop statistics
/// (`ethtool -S`) when the root is the live host.
struct StackSampler {
    let root: HostRoot
    let interfaces: [String]
    let statistics: EthtoolIoctlClient?

    init(root: HostRoot, interfaces: [String]) {
        self.root = root
        self.interfaces = interfaces
        statistics = root.isLiveSystem ? try? EthtoolIoctlClient() : nil
    }

    func read() -> StackReading {
        let client = statistics
        return StackReading.read(from: root, interfaces: interfaces, driverStatistics: client.map { client in { try? client.statistics(interface: $0) } })
    }
}
