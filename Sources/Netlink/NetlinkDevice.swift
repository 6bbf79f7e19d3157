internal import Glibc

/// Which network device an ethtool request is about.
///
/// ethtool accepts an index, a name, or both; with both, the kernel checks that they still name
/// the same device, which catches an interface renamed or re-created between reading sysfs and
/// asking netlink.
public struct NetlinkDevice: Sendable, Hashable, CustomStringConvertible {
    public var name: String?
    public var index: Int?

    public init(name: String? = nil, index: Int? = nil) {
        self.name = name
        self.index = index
    }

    public static func named(_ name: String) -> NetlinkDevice {
        NetlinkDevice(name: name)
    }

    public static func index(_ index: Int) -> NetlinkDevice {
        NetlinkDevice(index: index)
    }

    /// How errors name the device: by name when known, because that is what users type.
    public var description: String {
        if let name { return name }
        if let index { return "ifindex \(index)" }
        return "(no device)"
    }

    /// The attributes of ETHTOOL_A_*_HEADER. An index that is not positive is treated as
    /// unknown: the kernel numbers devices from 1, and 0 would mean "no index" to it anyway.
    func ethtoolHeader(operation: String) throws(NetlinkError) -> [NetlinkAttribute] {
        var attributes: [NetlinkAttribute] = []
        if let index, index > 0 {
            guard let index32 = UInt32(exactly: index) else {
                throw NetlinkError(
                    operation: operation, errno: ENODEV,
                    message: "no such interface: \(index) is not a valid interface index")
            }
            attributes.append(.u32(EthtoolNetlink.Header.devIndex, index32))
        }
        if let name, !name.isEmpty {
            attributes.append(.string(EthtoolNetlink.Header.devName, name))
        }
        guard !attributes.isEmpty else {
            throw NetlinkError(
                operation: operation, errno: ENODEV,
                message: "no such interface: neither a name nor an index was given")
        }
        return attributes
    }
}
