import NIOCore

extension MQTTPacket {
    /// UNSUBACK: in MQTT 3.x just the packet id; in 5.0 also one reason code per filter.
    public struct UnsubAck: Hashable, Sendable {
        public var packetID: UInt16
        /// MQTT 5.0 only.
        public var properties: MQTTProperties
        /// MQTT 5.0 only.
        public var reasonCodes: [MQTTReasonCode]

        public init(packetID: UInt16, reasonCodes: [MQTTReasonCode] = [], properties: MQTTProperties = []) {
            self.packetID = packetID
            self.reasonCodes = reasonCodes
            self.properties = properties
        }
    }
}

extension MQTTPacket.UnsubAck {
    init(from reader: inout MQTTBodyReader) throws(MQTTDecodeError) {
        packetID = try reader.readPacketID()
        if reader.isV5 {
            properties = try reader.readProperties(.unsubAck)
            reasonCodes = readReasonCodes(&reader)
            if reasonCodes.isEmpty { reader.problems.add("UNSUBACK without any reason code") }
        } else {
            properties = MQTTProperties()
            reasonCodes = []
            reader.expectEnd(after: "packet identifier")
        }
    }

    func encode(into buffer: inout ByteBuffer, version: MQTTVersion) throws(MQTTEncodeError) {
        buffer.writeInteger(packetID)
        if version != .v5 && !reasonCodes.isEmpty { throw MQTTEncodeError(.notInVersion("reason codes", version)) }
        try buffer.writeMQTTProperties(properties, version: version)
        for code in reasonCodes { buffer.writeInteger(code.rawValue) }
    }
}
