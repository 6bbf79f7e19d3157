/// One packet as a capture source delivered it: the bytes are a copy owned by Swift (libpcap's
/// buffer is reused by the next read), so a packet can be kept as long as needed.
public struct CapturedPacket: Sendable, Hashable {
    public var timestamp: CaptureTimestamp
    /// The link-layer header type (a DLT_/LINKTYPE_ value, see `LinkType`).
    public var linkType: Int32
    /// Bytes captured, which is `data.count`; smaller than `originalLength` when the snapshot
    /// length cut the packet.
    public var capturedLength: Int
    /// Bytes the packet had on the wire.
    public var originalLength: Int
    public var data: [UInt8]

    public init(timestamp: CaptureTimestamp, linkType: Int32, originalLength: Int, data: [UInt8]) {
        self.timestamp = timestamp
        self.linkType = linkType
        self.capturedLength = data.count
        self.originalLength = originalLength
        self.data = data
    }

    /// True when the snapshot length cut the packet.
    public var isTruncated: Bool { capturedLength < originalLength }
}

/// Anything that yields packets one at a time: a capture file, or a live capture that blocks
/// until a packet arrives. `nil` means there will be no more (end of file, or the live capture
/// was stopped with `breakLoop()`).
public protocol PacketSource {
    /// The link-layer header type of the packets.
    var linkType: Int32 { get }
    mutating func next() throws(CaptureError) -> CapturedPacket?
}
