import NIOCore

extension MQTTPacket {
    /// PUBACK, PUBREC, PUBREL or PUBCOMP: the QoS 1 and QoS 2 handshakes (the body case says which).
    public struct Ack: Hashable, Sendable {
        public var packetID: UInt16
        /// MQTT 5.0; nil when the packet omitted it (which means Success).
        public var reasonCode: MQTTReasonCode?
        /// MQTT 5.0 only.
        public var properties: MQTTProperties

        public init(packetID: UInt16, reasonCode: MQTTReasonCode? = nil, properties: MQTTProperties = []) {
            self.packetID = packetID
            self.reasonCode = reasonCode
            self.properties = properties
        }
    }
}

extension MQTTPacket.Ack {
    init(from reader: inout MQTTBodyReader) throws(MQTTDecodeError) {
        packetID = try reader.readPacketID()
        reasonCode = nil
        properties = MQTTProperties()
        if reader.isV5 && reader.remaining > 0 {
            let code = try reader.readByte("reason code")
            reasonCode = MQTTReasonCode(rawValue: code)
            let type = reader.type
            if !MQTTReasonCode.isValid(code, in: type, version: .v5) {
                reader.problems.add("reason code 0x\(hex2(code)) is not defined for \(type.name)")
            }
            if reader.remaining > 0 { properties = try reader.readProperties(MQTTPropertyScope(reader.type)) }
        }
        let isV5 = reader.isV5
        reader.expectEnd(after: isV5 ? "properties" : "packet identifier")
    }

    func encode(into buffer: inout ByteBuffer, version: MQTTVersion) throws(MQTTEncodeError) {
        buffer.writeInteger(packetID)
        guard version == .v5 else {
            if let reasonCode, reasonCode != .success { throw MQTTEncodeError(.notInVersion("reason code", version)) }
            return try buffer.writeMQTTProperties(properties, version: version)
        }
        // The short forms the spec allows: nothing after the id for Success without properties.
        if reasonCode == nil && properties.isEmpty { return }
        buffer.writeInteger((reasonCode ?? .success).rawValue)
        if !properties.isEmpty { try buffer.writeMQTTProperties(properties, version: version) }
    }
}
