import NIOCore

/// SEND_ACK (server to client): what became of one SEND, sent once the outcome is known.
public struct CMPSendAck: Sendable, Equatable {
    /// The SEND's client message id.
    public var messageID: UInt32
    /// `success` (delivered), `stored-offline`, or why it was rejected.
    public var result: CMPResultCode
    /// Ties the SEND to the DELIVERs it caused; 0 on rejection.
    public var serverMessageID: UInt64
    public var extensions: CMPExtensions

    public init(messageID: UInt32, result: CMPResultCode, serverMessageID: UInt64, extensions: CMPExtensions = .empty) {
        self.messageID = messageID
        self.result = result
        self.serverMessageID = serverMessageID
        self.extensions = extensions
    }
}

extension CMPSendAck {
    init(from reader: inout CMPBodyReader) throws(CMPDecodeError) {
        messageID = try reader.readUInt32("client message id")
        result = CMPResultCode(rawValue: try reader.readUInt8("result"))
        serverMessageID = try reader.readUInt64("server message id")
        extensions = try reader.readExtensions()
        try reader.expectEnd()
    }

    func bodyLength() throws(CMPEncodeError) -> Int {
        try 4 + 1 + 8 + extensions.encodedLength()
    }

    func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(messageID)
        buffer.writeInteger(result.rawValue)
        buffer.writeInteger(serverMessageID)
        buffer.writeCMPExtensions(extensions)
    }
}
