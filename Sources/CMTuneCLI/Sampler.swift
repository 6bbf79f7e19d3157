import HostKit
import Netlink

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
