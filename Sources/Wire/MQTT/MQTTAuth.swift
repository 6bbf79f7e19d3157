import NIOCore

extension MQTTPacket {
    /// AUTH (MQTT 5.0 only): a step of enhanced authentication.
    public struct Auth: Hashable, Sendable {
        /// Success (0x00, also when the packet is empty), Continue authentication (0x18) or
        /// Re-authenticate (0x19).
        public var reasonCode: MQTTReasonCode
        public var properties: MQTTProperties

        public init(reasonCode: MQTTReasonCode = .success, properties: MQTTProperties = []) {
            self.reasonCode = reasonCode
            self.properties = properties
        }
    }
}

extension MQTTPacket.Auth {
    /// Always read with the 5.0 layout: AUTH has no other; in a 3.x stream it is a problem.
    init(from reader: inout MQTTBodyReader) throws(MQTTDecodeError) {
        let version = reader.version
        if version != .v5 { reader.problems.add("AUTH exists only in MQTT 5.0, this stream is \(version)") }
        reasonCode = .success
        properties = MQTTProperties()
        guard reader.remaining > 0 else { return }
        let code = try reader.readByte("reason code")
        reasonCode = MQTTReasonCode(rawValue: code)
        if !MQTTReasonCode.isValid(code, in: .auth) {
            reader.problems.add("reason code 0x\(hex2(code)) is not defined for AUTH")
        }
        if reader.remaining > 0 { properties = try reader.readProperties(.auth) }
        reader.expectEnd(after: "properties")
    }

    func encode(into buffer: inout ByteBuffer, version: MQTTVersion) throws(MQTTEncodeError) {
        guard version == .v5 else { throw MQTTEncodeError(.notInVersion("AUTH", version)) }
        if reasonCode == .success && properties.isEmpty { return }
        buffer.writeInteger(reasonCode.rawValue)
        try buffer.writeMQTTProperties(properties, version: version)
    }
}
