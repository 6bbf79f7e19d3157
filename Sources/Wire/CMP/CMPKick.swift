import NIOCore

/// KICK (server to client): the server's last message on a connection, then it closes it.
/// For `server-shutdown`, extension 2 (`reconnectDelay`) says how long to wait.
public struct CMPKick: Sendable, Equatable {
    /// Why: a result code (`idle-timeout`, `duplicate-login`, ...).
    public var reason: CMPResultCode
    public var extensions: CMPExtensions

    public init(reason: CMPResultCode, extensions: CMPExtensions = .empty) {
        self.reason = reason
        self.extensions = extensions
    }
}

extension CMPKick {
    init(from reader: inout CMPBodyReader) throws(CMPDecodeError) {
        reason = CMPResultCode(rawValue: try reader.readUInt8("reason"))
        extensions = try reader.readExtensions()
        try reader.expectEnd()
    }

    func bodyLength() throws(CMPEncodeError) -> Int {
        try 1 + extensions.encodedLength()
    }

    func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(reason.rawValue)
        buffer.writeCMPExtensions(extensions)
    }
}
