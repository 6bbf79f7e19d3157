import NIOCore

/// LOGIN (client to server): the first message of a connection.
///
/// A `LOGIN` whose protocol name is not "CMP" or whose version is not 1 still decodes, with a
/// problem: the server has to read it to answer `unsupported-version`, and a decoder shows it.
public struct CMPLogin: Sendable, Equatable {
    /// The protocol version this codec speaks.
    public static let currentVersion: UInt8 = 1
    /// The protocol name every LOGIN carries.
    public static let standardProtocolName = "CMP"

    /// "CMP"; kept as sent.
    public var protocolName: String
    public var version: UInt8
    /// The longest silence, in seconds, the client promises; 0 lets the server choose.
    public var keepAlive: UInt16
    public var user: String
    public var device: String
    /// `v1.<expiry>.<device>.<mac>` (see the spec's Tokens).
    public var token: String
    public var extensions: CMPExtensions

    public init(
        protocolName: String = CMPLogin.standardProtocolName, version: UInt8 = CMPLogin.currentVersion,
        keepAlive: UInt16, user: String, device: String, token: String, extensions: CMPExtensions = .empty
    ) {
        self.protocolName = protocolName
        self.version = version
        self.keepAlive = keepAlive
        self.user = user
        self.device = device
        self.token = token
        self.extensions = extensions
    }
}

extension CMPLogin {
    init(from reader: inout CMPBodyReader) throws(CMPDecodeError) {
        protocolName = try reader.readString("protocol name")
        if protocolName != CMPLogin.standardProtocolName {
            reader.problems.add("unknown protocol name '\(protocolName)'")
        }
        version = try reader.readUInt8("protocol version")
        if version != CMPLogin.currentVersion { reader.problems.add("unsupported protocol version \(version)") }
        keepAlive = try reader.readUInt16("keep-alive")
        user = try reader.readString("user id")
        device = try reader.readString("device id")
        token = try reader.readString("token")
        extensions = try reader.readExtensions()
        try reader.expectEnd()
    }

    func bodyLength() throws(CMPEncodeError) -> Int {
        try CMPEncoder.stringLength(protocolName, "protocol name") + 1 + 2 + CMPEncoder.stringLength(user, "user id")
            + CMPEncoder.stringLength(device, "device id") + CMPEncoder.stringLength(token, "token")
            + extensions.encodedLength()
    }

    func write(into buffer: inout ByteBuffer) {
        buffer.writeCMPString(protocolName)
        buffer.writeInteger(version)
        buffer.writeInteger(keepAlive)
        buffer.writeCMPString(user)
        buffer.writeCMPString(device)
        buffer.writeCMPString(token)
        buffer.writeCMPExtensions(extensions)
    }
}
