import HostKit

/// `verify --netns`'s testbed: the CM's namespace and the load's, named after the verify
/// process so a run can find (and a test can check) its own, joined by a veth pair.
extension VethTestbed {
    public static func verify(queues: Int, id: Int32) -> VethTestbed {
        VethTestbed(
            first: End(namespace: "cmtune-vcm-\(id)", device: "vcm\(id)", address: "10.213.0.1"),
            second: End(namespace: "cmtune-vld-\(id)", device: "vld\(id)", address: "10.213.0.2"),
            queues: queues)
    }

    /// The end the CM listens on.
    public var cmEnd: End { first }
    /// The end the load generator connects from.
    public var loadEnd: End { second }

    /// The CM end's receive queues as report rows (a veth has no IRQ).
    public func cmQueueRows() -> [VerifyReport.QueueRow] {
        ((try? steering(of: cmEnd)) ?? []).map {
            VerifyReport.QueueRow(interface: cmEnd.device, queue: $0.queue, irq: nil, irqAffinity: nil, rpsCPUs: $0.rpsCPUs, xpsCPUs: $0.xpsCPUs)
        }
    }
}
