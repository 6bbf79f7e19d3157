import NIOCore

/// LOGIN_ACK (server to client): the answer to LOGIN. On refusal the session id is 0 and the
/// server closes the connection after it.
public struct CMPLoginAck: Sendable, Equatable {
    /// `success`, or why the login was refused.
    public var result: CMPResultCode
    /// Unique on the server while it runs; names this login in logs. 0 on refusal.
    public var sessionID: UInt64
    /// Milliseconds since the Unix epoch: lets a client measure its clock offset.
    public var serverTime: UInt64
    /// The keep-alive, in seconds, the server enforces.
    public var keepAlive: UInt16
    public var extensions: CMPExtensions

    public init(
        result: CMPResultCode, sessionID: UInt64, serverTime: UInt64, keepAlive: UInt16,
        extensions: CMPExtensions = .empty
    ) {
        self.result = result
        self.sessionID = sessionID
        self.serverTime = serverTime
        self.keepAlive = keepAlive
        self.extensions = extensions
    }
}

extension CMPLoginAck {
    init(from reader: inout CMPBodyReader) throws(CMPDecodeError) {
        result = CMPResultCode(rawValue: try reader.readUInt8("result"))
        sessionID = try reader.readUInt64("session id")
        serverTime = try reader.readUInt64("server time")
        keepAlive = try reader.readUInt16("keep-alive")
        extensions = try reader.readExtensions()
        try reader.expectEnd()
    }

    func bodyLength() throws(CMPEncodeError) -> Int {
        try 1 + 8 + 8 + 2 + extensions.encodedLength()
    }

    func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(result.rawValue)
        buffer.writeInteger(sessionID)
        buffer.writeInteger(serverTime)
        buffer.writeInteger(keepAlive)
        buffer.writeCMPExtensions(extensions)
    }
}
