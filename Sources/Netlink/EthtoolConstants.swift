/// The ethtool generic-netlink numbers this target uses, from include/uapi/linux/ethtool_netlink.h.
///
/// They are written out here instead of imported from the C header because the build machine's
/// headers (Debian 12: Linux 6.1) predate some of them (RSS_GET), and the kernel keeps these
/// numbers stable, so the running kernel, not the installed headers, decides what exists.
enum EthtoolNetlink {
    static let familyName = "ethtool"
    static let version: UInt8 = 1  // ETHTOOL_GENL_VERSION

    /// A request command, with the name errors show (`ethtool CHANNELS_GET eth0`).
    struct Command: Sendable, Equatable {
        var rawValue: UInt8
        var name: String

        static let ringsGet = Command(rawValue: 15, name: "RINGS_GET")  // ETHTOOL_MSG_RINGS_GET
        static let channelsGet = Command(rawValue: 17, name: "CHANNELS_GET")  // ETHTOOL_MSG_CHANNELS_GET
        static let channelsSet = Command(rawValue: 18, name: "CHANNELS_SET")  // ETHTOOL_MSG_CHANNELS_SET
        static let coalesceGet = Command(rawValue: 19, name: "COALESCE_GET")  // ETHTOOL_MSG_COALESCE_GET
        static let rssGet = Command(rawValue: 38, name: "RSS_GET")  // ETHTOOL_MSG_RSS_GET (Linux 6.0+)
    }

    /// ETHTOOL_A_HEADER_*: the nest every request carries as its attribute 1.
    enum Header {
        static let devIndex: UInt16 = 1  // u32
        static let devName: UInt16 = 2  // string
        static let flags: UInt16 = 3  // u32, ETHTOOL_FLAG_*
    }

    /// ETHTOOL_A_CHANNELS_*.
    enum Channels {
        static let header: UInt16 = 1  // nest
        static let rxMax: UInt16 = 2  // u32
        static let txMax: UInt16 = 3  // u32
        static let otherMax: UInt16 = 4  // u32
        static let combinedMax: UInt16 = 5  // u32
        static let rxCount: UInt16 = 6  // u32
        static let txCount: UInt16 = 7  // u32
        static let otherCount: UInt16 = 8  // u32
        static let combinedCount: UInt16 = 9  // u32
    }

    /// ETHTOOL_A_RINGS_*.
    enum Rings {
        static let header: UInt16 = 1  // nest
        static let rxMax: UInt16 = 2  // u32
        static let rxMiniMax: UInt16 = 3  // u32
        static let rxJumboMax: UInt16 = 4  // u32
        static let txMax: UInt16 = 5  // u32
        static let rx: UInt16 = 6  // u32
        static let rxMini: UInt16 = 7  // u32
        static let rxJumbo: UInt16 = 8  // u32
        static let tx: UInt16 = 9  // u32
        static let rxBufferLength: UInt16 = 10  // u32, ETHTOOL_A_RINGS_RX_BUF_LEN
        static let cqeSize: UInt16 = 12  // u32 (11 is TCP_DATA_SPLIT, u8)
    }

    /// ETHTOOL_A_COALESCE_*.
    enum Coalesce {
        static let header: UInt16 = 1  // nest
        static let rxUsecs: UInt16 = 2  // u32
        static let rxMaxFrames: UInt16 = 3  // u32
        static let rxUsecsIRQ: UInt16 = 4  // u32
        static let rxMaxFramesIRQ: UInt16 = 5  // u32
        static let txUsecs: UInt16 = 6  // u32
        static let txMaxFrames: UInt16 = 7  // u32
        static let txUsecsIRQ: UInt16 = 8  // u32
        static let txMaxFramesIRQ: UInt16 = 9  // u32
        static let statsBlockUsecs: UInt16 = 10  // u32
        static let useAdaptiveRx: UInt16 = 11  // u8
        static let useAdaptiveTx: UInt16 = 12  // u8
        static let packetRateLow: UInt16 = 13  // u32
        static let packetRateHigh: UInt16 = 18  // u32
        static let rateSampleInterval: UInt16 = 23  // u32, seconds
    }

    /// ETHTOOL_A_RSS_*.
    enum RSS {
        static let header: UInt16 = 1  // nest
        static let context: UInt16 = 2  // u32; absent = the default context 0
        static let hashFunction: UInt16 = 3  // u32 bitmask, bit i = ethtool's hash function i
        static let indirection: UInt16 = 4  // binary, array of u32
        static let hashKey: UInt16 = 5  // binary

        /// Bit i of HFUNC is the i-th name of ethtool's "rss-hash-funcs" string set
        /// (ETH_RSS_HASH_TOP_BIT, ETH_RSS_HASH_XOR_BIT, ETH_RSS_HASH_CRC32_BIT).
        static let hashFunctionNames = ["toeplitz", "xor", "crc32"]
    }
}
