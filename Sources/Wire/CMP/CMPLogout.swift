import NIOCore

/// LOGOUT (client to server): the client's last message; the server forgets the session and
/// closes the connection without a KICK. Its body is only the extension block.
public struct CMPLogout: Sendable, Equatable {
    public var extensions: CMPExtensions

    public init(extensions: CMPExtensions = .empty) {
        self.extensions = extensions
    }
}

extension CMPLogout {
    init(from reader: inout CMPBodyReader) throws(CMPDecodeError) {
        extensions = try reader.readExtensions()
        try reader.expectEnd()
    }

    func bodyLength() throws(CMPEncodeError) -> Int {
        try extensions.encodedLength()
    }

    func write(into buffer: inout ByteBuffer) {
        buffer.writeCMPExtensions(extensions)
    }
}
