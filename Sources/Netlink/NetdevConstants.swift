/// The netdev generic-netlink numbers this target uses, from include/uapi/linux/netdev.h.
///
/// Debian 12's headers (Linux 6.1) have no linux/netdev.h at all, and the queue, NAPI and qstats
/// commands arrived in 6.8-6.10, so the numbers are written here and the running kernel decides
/// whether it answers.
enum NetdevNetlink {
    static let familyName = "netdev"
    static let version: UInt8 = 1  // NETDEV_FAMILY_VERSION

    /// A request command, with the name errors show (`netdev QUEUE_GET eth0`).
    struct Command: Sendable, Equatable {
        var rawValue: UInt8
        var name: String

        static let queueGet = Command(rawValue: 10, name: "QUEUE_GET")  // NETDEV_CMD_QUEUE_GET
        static let napiGet = Command(rawValue: 11, name: "NAPI_GET")  // NETDEV_CMD_NAPI_GET
        static let qstatsGet = Command(rawValue: 12, name: "QSTATS_GET")  // NETDEV_CMD_QSTATS_GET
    }

    /// NETDEV_A_QUEUE_*.
    enum Queue {
        static let id: UInt16 = 1  // u32, index within its type
        static let ifindex: UInt16 = 2  // u32
        static let type: UInt16 = 3  // u32, NETDEV_QUEUE_TYPE_*
        static let napiID: UInt16 = 4  // u32
    }

    /// enum netdev_queue_type.
    enum QueueType {
        static let rx: UInt32 = 0
        static let tx: UInt32 = 1
    }

    /// NETDEV_A_NAPI_*.
    enum NAPI {
        static let ifindex: UInt16 = 1  // u32
        static let id: UInt16 = 2  // u32
        static let irq: UInt16 = 3  // u32, absent when no IRQ is linked (virtio_net)
        static let pid: UInt16 = 4  // u32, present only for threaded NAPI
    }

    /// NETDEV_A_QSTATS_*.
    enum QueueStatistics {
        static let ifindex: UInt16 = 1  // u32
        static let queueType: UInt16 = 2  // u32, NETDEV_QUEUE_TYPE_*
        static let queueID: UInt16 = 3  // u32
        static let scope: UInt16 = 4  // uint, NETDEV_QSTATS_SCOPE_* flags
        static let rxPackets: UInt16 = 8  // uint
        static let rxBytes: UInt16 = 9  // uint
        static let txPackets: UInt16 = 10  // uint
        static let txBytes: UInt16 = 11  // uint

        /// NETDEV_QSTATS_SCOPE_QUEUE: one reply per queue instead of one per device.
        static let scopeQueue: UInt32 = 1
    }
}
