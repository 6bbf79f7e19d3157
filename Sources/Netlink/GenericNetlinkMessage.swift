/// The framing around attributes: a generic-netlink reply, and the kernel's acknowledgement
/// (NLMSG_ERROR, or the errno a dump leaves in NLMSG_DONE).
///
/// The socket copies each raw message out of libnl's buffer and hands the bytes here, so the
/// layout of `nlmsghdr`, `genlmsghdr` and `nlmsgerr` is interpreted in one pure, testable place.

/// One reply of a generic-netlink request.
public struct GenericNetlinkMessage: Sendable, Equatable {
    /// The family's reply command (e.g. ETHTOOL_MSG_CHANNELS_GET_REPLY), not the request's.
    public var command: UInt8
    public var version: UInt8
    public var attributes: NetlinkAttributes

    public init(command: UInt8, version: UInt8, attributes: NetlinkAttributes) {
        self.command = command
        self.version = version
        self.attributes = attributes
    }

    /// Parses a whole netlink message: `nlmsghdr`, `genlmsghdr`, then attributes.
    init(rawMessage bytes: [UInt8]) throws(NetlinkError) {
        let header = try NetlinkMessageHeader(bytes)
        let payloadStart = NetlinkMessageHeader.length
        guard header.length >= payloadStart + 4 else {
            throw NetlinkError.malformed("generic netlink message of \(header.length) bytes has no genlmsghdr")
        }
        command = bytes[payloadStart]
        version = bytes[payloadStart + 1]
        attributes = try NetlinkAttributes(parsing: bytes[(payloadStart + 4)..<header.length])
    }
}

/// `struct nlmsghdr` (linux/netlink.h), read from bytes.
struct NetlinkMessageHeader: Equatable {
    static let length = 16  // NLMSG_HDRLEN
    // nlmsg_flags bits that only acknowledgements carry.
    static let cappedFlag: UInt16 = 0x100  // NLM_F_CAPPED: the echoed request is only its header
    static let ackTLVsFlag: UInt16 = 0x200  // NLM_F_ACK_TLVS: extended-ack attributes follow

    var length: Int
    var type: UInt16
    var flags: UInt16
    var sequence: UInt32

    init(_ bytes: [UInt8]) throws(NetlinkError) {
        guard bytes.count >= Self.length else {
            throw NetlinkError.malformed("netlink message of \(bytes.count) bytes is shorter than its header")
        }
        length = Int(bytes.loadHostInteger(UInt32.self, at: 0))
        type = bytes.loadHostInteger(UInt16.self, at: 4)
        flags = bytes.loadHostInteger(UInt16.self, at: 6)
        sequence = bytes.loadHostInteger(UInt32.self, at: 8)
        guard length >= Self.length, length <= bytes.count else {
            throw NetlinkError.malformed("netlink message claims \(length) bytes but \(bytes.count) were received")
        }
    }
}

/// What the kernel said at the end of a request: an errno (0 for success) and, with
/// NETLINK_EXT_ACK, a sentence naming what it rejected.
struct KernelAcknowledgement: Equatable {
    /// The positive errno, or 0 for a plain ACK / clean end of dump.
    var errno: Int32
    /// NLMSGERR_ATTR_MSG: the kernel's own words, e.g. "no device matches ifindex".
    var message: String?

    // Extended-ack attribute types (enum nlmsgerr_attrs, linux/netlink.h).
    static let messageAttribute: UInt16 = 1  // NLMSGERR_ATTR_MSG

    init(errno: Int32, message: String? = nil) {
        self.errno = errno
        self.message = message
    }

    /// Parses an NLMSG_ERROR message: `nlmsgerr` (int error + the echoed request header, or the
    /// whole request when the socket did not set NETLINK_CAP_ACK), then extended-ack TLVs.
    init(errorMessage bytes: [UInt8]) throws(NetlinkError) {
        let header = try NetlinkMessageHeader(bytes)
        let errorOffset = NetlinkMessageHeader.length
        let echoOffset = errorOffset + 4
        guard header.length >= echoOffset + NetlinkMessageHeader.length else {
            throw NetlinkError.malformed("netlink error message of \(header.length) bytes is truncated")
        }
        let code = bytes.loadHostInteger(Int32.self, at: errorOffset)
        var tlvOffset = echoOffset + NetlinkMessageHeader.length
        if header.flags & NetlinkMessageHeader.cappedFlag == 0 {
            let echoedLength = Int(bytes.loadHostInteger(UInt32.self, at: echoOffset))
            tlvOffset = echoOffset + max(echoedLength, NetlinkMessageHeader.length)
            tlvOffset += netlinkPadding(tlvOffset)
        }
        self.init(
            errno: Int32(clamping: abs(Int64(code))),
            message: try Self.extendedAckMessage(bytes, header: header, from: tlvOffset))
    }

    /// Parses an NLMSG_DONE message: a dump that failed after it started reports its errno here
    /// (and, with NETLINK_EXT_ACK, a message), instead of in an NLMSG_ERROR.
    init(doneMessage bytes: [UInt8]) throws(NetlinkError) {
        let header = try NetlinkMessageHeader(bytes)
        let errorOffset = NetlinkMessageHeader.length
        guard header.length >= errorOffset + 4 else {
            // Old kernels sent an empty NLMSG_DONE; that is a clean end.
            self.init(errno: 0)
            return
        }
        let code = bytes.loadHostInteger(Int32.self, at: errorOffset)
        self.init(
            errno: code < 0 ? Int32(clamping: -Int64(code)) : 0,
            message: try Self.extendedAckMessage(bytes, header: header, from: errorOffset + 4))
    }

    private static func extendedAckMessage(
        _ bytes: [UInt8], header: NetlinkMessageHeader, from offset: Int
    ) throws(NetlinkError) -> String? {
        guard header.flags & NetlinkMessageHeader.ackTLVsFlag != 0, offset < header.length else { return nil }
        let tlvs = try NetlinkAttributes(parsing: bytes[offset..<header.length])
        return tlvs.string(messageAttribute).flatMap { $0.isEmpty ? nil : $0 }
    }
}
