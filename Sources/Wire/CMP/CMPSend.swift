import NIOCore

/// SEND (client to server): a message for every connection of a user, or of every member of a
/// room (flag bit 0). The hot message of a CM, with DELIVER_ACK.
public struct CMPSend: Sendable, Equatable {
    /// Chosen by the client and echoed in the SEND_ACK, which may come back in any order.
    public var messageID: UInt32
    /// A user id, or a room id when `toRoom`.
    public var recipient: String
    /// Flag bit 0.
    public var toRoom: Bool
    public var extensions: CMPExtensions
    /// The rest of the message: opaque, possibly empty. Decoded, it shares the input buffer's
    /// storage (never copied) and its reader index need not be 0: read it with the
    /// reader-index-relative calls (`readableBytesView`, `getBytes(at: readerIndex, ...)`), or
    /// forward it whole with `writeImmutableBuffer`.
    public var payload: ByteBuffer

    public init(
        messageID: UInt32, recipient: String, toRoom: Bool = false, extensions: CMPExtensions = .empty,
        payload: ByteBuffer
    ) {
        self.messageID = messageID
        self.recipient = recipient
        self.toRoom = toRoom
        self.extensions = extensions
        self.payload = payload
    }
}

extension CMPSend {
    @inline(__always)
    init(from reader: inout CMPBodyReader) throws(CMPDecodeError) {
        toRoom = reader.flags & 1 != 0
        messageID = try reader.readUInt32("client message id")
        recipient = try reader.readString("recipient")
        extensions = try reader.readExtensions()
        payload = reader.readRest()
    }

    func bodyLength() throws(CMPEncodeError) -> Int {
        try 4 + CMPEncoder.stringLength(recipient, "recipient") + extensions.encodedLength() + payload.readableBytes
    }

    func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(messageID)
        buffer.writeCMPString(recipient)
        buffer.writeCMPExtensions(extensions)
        buffer.writeImmutableBuffer(payload)
    }
}
