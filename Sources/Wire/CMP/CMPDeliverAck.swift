import NIOCore

/// DELIVER_ACK (client to server): the client has taken the DELIVER with this server message
/// id. Sent for every message received, so as hot as SEND.
public struct CMPDeliverAck: Sendable, Equatable {
    public var serverMessageID: UInt64
    public var extensions: CMPExtensions

    public init(serverMessageID: UInt64, extensions: CMPExtensions = .empty) {
        self.serverMessageID = serverMessageID
        self.extensions = extensions
    }
}

extension CMPDeliverAck {
    @inline(__always)
    init(from reader: inout CMPBodyReader) throws(CMPDecodeError) {
        serverMessageID = try reader.readUInt64("server message id")
        extensions = try reader.readExtensions()
        try reader.expectEnd()
    }

    func bodyLength() throws(CMPEncodeError) -> Int {
        try 8 + extensions.encodedLength()
    }

    func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(serverMessageID)
        buffer.writeCMPExtensions(extensions)
    }
}
