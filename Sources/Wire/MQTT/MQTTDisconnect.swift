import NIOCore

extension MQTTPacket {
    /// DISCONNECT: empty in MQTT 3.x (client to server only); in 5.0 either side sends it with
    /// a reason code.
    public struct Disconnect: Hashable, Sendable {
        /// MQTT 5.0; nil when omitted (which means Normal disconnection).
        public var reasonCode: MQTTReasonCode?
        /// MQTT 5.0 only.
        public var properties: MQTTProperties

        public init(reasonCode: MQTTReasonCode? = nil, properties: MQTTProperties = []) {
            self.reasonCode = reasonCode
            self.properties = properties
        }
    }
}

extension MQTTPacket.Disconnect {
    init(from reader: inout MQTTBodyReader) throws(MQTTDecodeError) {
        reasonCode = nil
        properties = MQTTProperties()
        if reader.isV5 && reader.remaining > 0 {
            let code = try reader.readByte("reason code")
            reasonCode = MQTTReasonCode(rawValue: code)
            if !MQTTReasonCode.isValid(code, in: .disconnect) {
                reader.problems.add("reason code 0x\(hex2(code)) is not defined for DISCONNECT")
            }
            if reader.remaining > 0 { properties = try reader.readProperties(.disconnect) }
        }
        let isV5 = reader.isV5
        reader.expectEnd(after: isV5 ? "properties" : "fixed header")
    }

    func encode(into buffer: inout ByteBuffer, version: MQTTVersion) throws(MQTTEncodeError) {
        guard version == .v5 else {
            if let reasonCode, reasonCode != .normalDisconnection {
                throw MQTTEncodeError(.notInVersion("reason code", version))
            }
            return try buffer.writeMQTTProperties(properties, version: version)
        }
        if reasonCode == nil && properties.isEmpty { return }
        buffer.writeInteger((reasonCode ?? .normalDisconnection).rawValue)
        if !properties.isEmpty { try buffer.writeMQTTProperties(properties, version: version) }
    }
}
