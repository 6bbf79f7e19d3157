/// Netlink attributes (TLVs) as plain Swift values.
///
/// Encoding and decoding live here, in pure Swift over byte arrays, so that the only code that
/// touches libnl's buffers is the copy in `GenericNetlinkSocket`; everything that interprets the
/// bytes can be tested without a kernel and cannot outlive the buffer it came from.

/// One attribute: its type and a copy of its payload.
public struct NetlinkAttribute: Sendable, Equatable {
    /// The attribute type with the NLA_F_NESTED and NLA_F_NET_BYTEORDER flag bits removed.
    public var type: UInt16
    /// Whether the sender marked the payload as a nest of attributes (NLA_F_NESTED). Strictly
    /// validated families (ethtool among them) reject a nest that lacks the flag.
    public var isNested: Bool
    /// The payload, without the 4-byte header and without padding.
    public var payload: [UInt8]

    public init(type: UInt16, payload: [UInt8], isNested: Bool = false) {
        self.type = type & NetlinkAttribute.typeMask
        self.payload = payload
        self.isNested = isNested
    }

    // Bits of nla_type (linux/netlink.h); the kernel ORs flags into the type field.
    static let nestedFlag: UInt16 = 0x8000  // NLA_F_NESTED
    static let netByteOrderFlag: UInt16 = 0x4000  // NLA_F_NET_BYTEORDER
    static let typeMask: UInt16 = 0x3FFF  // NLA_TYPE_MASK
    static let headerLength = 4  // struct nlattr: u16 nla_len, u16 nla_type
}

// MARK: Building attributes for a request

extension NetlinkAttribute {
    public static func u8(_ type: UInt16, _ value: UInt8) -> NetlinkAttribute {
        NetlinkAttribute(type: type, payload: [value])
    }

    public static func u16(_ type: UInt16, _ value: UInt16) -> NetlinkAttribute {
        NetlinkAttribute(type: type, payload: hostBytes(of: value))
    }

    public static func u32(_ type: UInt16, _ value: UInt32) -> NetlinkAttribute {
        NetlinkAttribute(type: type, payload: hostBytes(of: value))
    }

    public static func u64(_ type: UInt16, _ value: UInt64) -> NetlinkAttribute {
        NetlinkAttribute(type: type, payload: hostBytes(of: value))
    }

    /// A NUL-terminated string, as NLA_NUL_STRING and NLA_STRING policies both accept.
    public static func string(_ type: UInt16, _ value: String) -> NetlinkAttribute {
        NetlinkAttribute(type: type, payload: Array(value.utf8) + [0])
    }

    public static func binary(_ type: UInt16, _ bytes: [UInt8]) -> NetlinkAttribute {
        NetlinkAttribute(type: type, payload: bytes)
    }

    /// A nest, flagged NLA_F_NESTED because strictly validated families require it.
    public static func nested(_ type: UInt16, _ children: [NetlinkAttribute]) -> NetlinkAttribute {
        NetlinkAttribute(type: type, payload: children.netlinkEncoded(), isNested: true)
    }

    /// Netlink integers are in host byte order (unless NLA_F_NET_BYTEORDER says otherwise).
    private static func hostBytes<T: FixedWidthInteger>(of value: T) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }
}

extension Array where Element == NetlinkAttribute {
    /// The wire form: each attribute's header and payload, padded to 4 bytes (NLA_ALIGNTO).
    public func netlinkEncoded() -> [UInt8] {
        var bytes: [UInt8] = []
        for attribute in self {
            let length = NetlinkAttribute.headerLength + attribute.payload.count
            precondition(length <= Int(UInt16.max), "netlink attribute \(attribute.type) is too long")
            let type = attribute.type | (attribute.isNested ? NetlinkAttribute.nestedFlag : 0)
            Swift.withUnsafeBytes(of: UInt16(length)) { bytes.append(contentsOf: $0) }
            Swift.withUnsafeBytes(of: type) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: attribute.payload)
            bytes.append(contentsOf: repeatElement(0, count: netlinkPadding(length)))
        }
        return bytes
    }
}

/// Bytes needed to bring `length` to the next multiple of 4 (NLA_ALIGNTO and NLMSG_ALIGNTO).
func netlinkPadding(_ length: Int) -> Int {
    (4 - length % 4) % 4
}

// MARK: Reading attributes from a reply

/// The attributes of one message (or one nest), in the order the kernel sent them.
public struct NetlinkAttributes: Sendable, Equatable, RandomAccessCollection {
    public var elements: [NetlinkAttribute]

    public init(_ elements: [NetlinkAttribute] = []) {
        self.elements = elements
    }

    /// Parses a stream of attributes. A length that runs past the end or is shorter than the
    /// header is an error rather than a silent truncation: it means the framing is wrong and
    /// every later value would be garbage.
    public init(parsing bytes: some Collection<UInt8>) throws(NetlinkError) {
        let bytes = Array(bytes)
        var elements: [NetlinkAttribute] = []
        var offset = 0
        while bytes.count - offset >= NetlinkAttribute.headerLength {
            let length = Int(bytes.loadHostInteger(UInt16.self, at: offset))
            let rawType = bytes.loadHostInteger(UInt16.self, at: offset + 2)
            guard length >= NetlinkAttribute.headerLength, length <= bytes.count - offset else {
                throw NetlinkError.malformed(
                    "attribute at byte \(offset) claims \(length) bytes but \(bytes.count - offset) remain")
            }
            elements.append(
                NetlinkAttribute(
                    type: rawType & NetlinkAttribute.typeMask,
                    payload: Array(bytes[(offset + NetlinkAttribute.headerLength)..<(offset + length)]),
                    isNested: rawType & NetlinkAttribute.nestedFlag != 0))
            offset += length + netlinkPadding(length)
        }
        self.elements = elements
    }

    public var startIndex: Int { elements.startIndex }
    public var endIndex: Int { elements.endIndex }
    public subscript(position: Int) -> NetlinkAttribute { elements[position] }

    /// The payload of the first attribute of this type; netlink replies carry each scalar once.
    public func payload(_ type: UInt16) -> [UInt8]? {
        elements.first { $0.type == type }?.payload
    }

    /// Every payload of this type, for the attributes that repeat (multi-attr arrays).
    public func payloads(_ type: UInt16) -> [[UInt8]] {
        elements.filter { $0.type == type }.map(\.payload)
    }

    public func contains(_ type: UInt16) -> Bool {
        elements.contains { $0.type == type }
    }

    /// nil when absent or not exactly one byte: a wrong size means a different attribute layout,
    /// and guessing would report a wrong number.
    public func u8(_ type: UInt16) -> UInt8? { fixedWidth(type) }
    public func u16(_ type: UInt16) -> UInt16? { fixedWidth(type) }
    public func u32(_ type: UInt16) -> UInt32? { fixedWidth(type) }
    public func u64(_ type: UInt16) -> UInt64? { fixedWidth(type) }

    /// The kernel's variable-width unsigned (NLA_UINT, used by netdev qstats): 4 or 8 bytes.
    public func uint(_ type: UInt16) -> UInt64? {
        guard let bytes = payload(type) else { return nil }
        switch bytes.count {
        case 4: return UInt64(bytes.loadHostInteger(UInt32.self, at: 0))
        case 8: return bytes.loadHostInteger(UInt64.self, at: 0)
        default: return nil
        }
    }

    /// A string attribute, up to its first NUL.
    public func string(_ type: UInt16) -> String? {
        guard let bytes = payload(type) else { return nil }
        let text = bytes.prefix { $0 != 0 }
        return String(decoding: text, as: UTF8.self)
    }

    /// A nest parsed on demand, so a reply's unused nests cost nothing and a malformed one only
    /// fails the caller that asked for it.
    public func nested(_ type: UInt16) throws(NetlinkError) -> NetlinkAttributes? {
        guard let bytes = payload(type) else { return nil }
        return try NetlinkAttributes(parsing: bytes)
    }

    /// A binary payload read as an array of host-order u32 (ethtool's RSS indirection table).
    public func u32Array(_ type: UInt16) -> [UInt32]? {
        guard let bytes = payload(type), bytes.count % 4 == 0 else { return nil }
        return stride(from: 0, to: bytes.count, by: 4).map { bytes.loadHostInteger(UInt32.self, at: $0) }
    }

    private func fixedWidth<T: FixedWidthInteger>(_ type: UInt16) -> T? {
        guard let bytes = payload(type), bytes.count == MemoryLayout<T>.size else { return nil }
        return bytes.loadHostInteger(T.self, at: 0)
    }
}

extension Array where Element == UInt8 {
    /// A host-order integer at a byte offset that need not be aligned; the caller checks bounds.
    func loadHostInteger<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        precondition(offset >= 0 && offset + MemoryLayout<T>.size <= count, "read past the end of a netlink buffer")
        return withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
    }
}
