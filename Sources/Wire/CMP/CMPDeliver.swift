import NIOCore

/// DELIVER (server to client): a message for this connection, with who sent it and when the
/// server accepted it; the payload exactly as sent.
public struct CMPDeliver: Sendable, Equatable {
    public var serverMessageID: UInt64
    public var senderUser: String
    public var senderDevice: String
    /// Milliseconds since the Unix epoch when the server accepted the SEND.
    public var serverTime: UInt64
    /// The room it was sent to; present exactly when flag bit 0 is set.
    public var room: String?
    public var extensions: CMPExtensions
    /// As in `CMPSend.payload`: decoded, a view of the input (reader index not necessarily 0).
    public var payload: ByteBuffer

    public init(
        serverMessageID: UInt64, senderUser: String, senderDevice: String, serverTime: UInt64, room: String? = nil,
        extensions: CMPExtensions = .empty, payload: ByteBuffer
    ) {
        self.serverMessageID = serverMessageID
        self.senderUser = senderUser
        self.senderDevice = senderDevice
        self.serverTime = serverTime
        self.room = room
        self.extensions = extensions
        self.payload = payload
    }
}

extension CMPDeliver {
    @inline(__always)
    init(from reader: inout CMPBodyReader) throws(CMPDecodeError) {
        serverMessageID = try reader.readUInt64("server message id")
        senderUser = try reader.readString("sender user id")
        senderDevice = try reader.readString("sender device id")
        serverTime = try reader.readUInt64("server time")
        room = reader.flags & 1 != 0 ? try reader.readString("room id") : nil
        extensions = try reader.readExtensions()
        payload = reader.readRest()
    }

    func bodyLength() throws(CMPEncodeError) -> Int {
        let room = try self.room.map { room throws(CMPEncodeError) in try CMPEncoder.stringLength(room, "room id") } ?? 0
        return try 8 + CMPEncoder.stringLength(senderUser, "sender user id")
            + CMPEncoder.stringLength(senderDevice, "sender device id") + 8 + room + extensions.encodedLength()
            + payload.readableBytes
    }

    func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(serverMessageID)
        buffer.writeCMPString(senderUser)
        buffer.writeCMPString(senderDevice)
        buffer.writeInteger(serverTime)
        if let room { buffer.writeCMPString(room) }
        buffer.writeCMPExtensions(extensions)
        buffer.writeImmutableBuffer(payload)
    }
}
