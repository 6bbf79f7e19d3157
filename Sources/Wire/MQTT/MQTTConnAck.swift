import NIOCore

extension MQTTPacket {
    /// CONNACK: the server's answer to CONNECT.
    public struct ConnAck: Hashable, Sendable {
        /// Whether the server resumed a stored session (always false in MQTT 3.1).
        public var sessionPresent: Bool
        /// The MQTT 5.0 reason code, or the MQTT 3.x return code; name it with
        /// `reasonCode.name(in: .connAck, version:)`.
        public var reasonCode: MQTTReasonCode
        /// MQTT 5.0 only.
        public var properties: MQTTProperties

        public init(sessionPresent: Bool = false, reasonCode: MQTTReasonCode = .success, properties: MQTTProperties = []) {
            self.sessionPresent = sessionPresent
            self.reasonCode = reasonCode
            self.properties = properties
        }
    }
}

extension MQTTPacket.ConnAck {
    init(from reader: inout MQTTBodyReader) throws(MQTTDecodeError) {
        let flags = try reader.readByte("acknowledge flags")
        if flags & 0xFE != 0 { reader.problems.add("reserved acknowledge flags 0x\(hex2(flags & 0xFE)) are set") }
        sessionPresent = flags & 0x01 != 0
        let version = reader.version
        let code = try reader.readByte(version == .v5 ? "reason code" : "return code")
        reasonCode = MQTTReasonCode(rawValue: code)
        if !MQTTReasonCode.isValid(code, in: .connAck, version: version) {
            reader.problems.add("CONNACK code 0x\(hex2(code)) is not defined in MQTT \(version)")
        }
        if sessionPresent && code != 0 { reader.problems.add("session present set on a refused connection") }
        if reader.isV5 {
            if reader.remaining == 0 {
                reader.problems.add("CONNACK has no property length")
                properties = MQTTProperties()
            } else {
                properties = try reader.readProperties(.connAck)
            }
        } else {
            properties = MQTTProperties()
        }
        reader.expectEnd(after: version == .v5 ? "properties" : "return code")
    }

    func encode(into buffer: inout ByteBuffer, version: MQTTVersion) throws(MQTTEncodeError) {
        buffer.writeInteger(UInt8(sessionPresent ? 1 : 0))
        buffer.writeInteger(reasonCode.rawValue)
        try buffer.writeMQTTProperties(properties, version: version)
    }
}
