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

/// The classic ethtool ioctl, which `ethtool -S` still uses: the ethtool netlink family has no
/// command for a driver's own statistics (its STATS_GET carries only the standard groups).
///
/// Numbers from include/uapi/linux/sockios.h and include/uapi/linux/ethtool.h; they are part of
/// the kernel ABI and never change. The request structs end in flexible arrays, so their layout
/// is written here as byte offsets and the buffers are built by hand (EthtoolIoctlClient.swift).
enum EthtoolIoctl {
    static let request: UInt = 0x8946  // SIOCETHTOOL
    static let interfaceNameRequest: UInt = 0x8910  // SIOCGIFNAME: ifindex -> name
    /// NETLINK_GENERIC (linux/netlink.h), for the fallback socket on a host without IPv4.
    static let netlinkGenericProtocol: Int32 = 16

    /// An ethtool command (`ethtool_cmd.cmd`), with the name errors show
    /// (`ethtool ETHTOOL_GSTATS eth0`).
    struct Command: Sendable, Equatable {
        var rawValue: UInt32
        var name: String

        static let getDriverInfo = Command(rawValue: 0x03, name: "ETHTOOL_GDRVINFO")
        static let getStrings = Command(rawValue: 0x1b, name: "ETHTOOL_GSTRINGS")
        static let getStatistics = Command(rawValue: 0x1d, name: "ETHTOOL_GSTATS")
        static let getStringSetInfo = Command(rawValue: 0x37, name: "ETHTOOL_GSSET_INFO")
    }

    static let statisticsStringSet: UInt32 = 1  // ETH_SS_STATS
    static let stringLength = 32  // ETH_GSTRING_LEN: each name is a NUL-padded 32-byte field
    static let interfaceNameSize = 16  // IFNAMSIZ, the NUL included

    /// `struct ethtool_drvinfo`: 196 bytes.
    enum DriverInfo {
        static let size = 196
        static let driver = 4  // char[32]
        static let statisticsCount = 180  // u32 n_stats
    }

    /// `struct ethtool_sset_info`: a 16-byte header, then one u32 per bit left set in the mask.
    enum StringSetInfo {
        static let headerSize = 16
        static let mask = 8  // u64 sset_mask: in, the sets asked for; out, the sets the driver has
        static let data = 16  // u32 data[]
    }

    /// `struct ethtool_gstrings`: a 12-byte header, then `len` names of 32 bytes.
    enum Strings {
        static let headerSize = 12
        static let stringSet = 4  // u32
        static let length = 8  // u32, written by the kernel
    }

    /// `struct ethtool_stats`: an 8-byte header, then `n_stats` u64 values.
    enum Statistics {
        static let headerSize = 8
        static let count = 4  // u32 n_stats, written by the kernel
    }
}
