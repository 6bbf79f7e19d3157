import NIOCore

extension MQTTPacket {
    /// SUBACK: one reason code (granted QoS or failure) per topic filter of the SUBSCRIBE.
    public struct SubAck: Hashable, Sendable {
        public var packetID: UInt16
        /// MQTT 5.0 only.
        public var properties: MQTTProperties
        public var reasonCodes: [MQTTReasonCode]

        public init(packetID: UInt16, reasonCodes: [MQTTReasonCode], properties: MQTTProperties = []) {
            self.packetID = packetID
            self.reasonCodes = reasonCodes
            self.properties = properties
        }
    }
}

extension MQTTPacket.SubAck {
    init(from reader: inout MQTTBodyReader) throws(MQTTDecodeError) {
        packetID = try reader.readPacketID()
        properties = reader.isV5 ? try reader.readProperties(.subAck) : MQTTProperties()
        reasonCodes = readReasonCodes(&reader)
        if reasonCodes.isEmpty { reader.problems.add("SUBACK without any reason code") }
    }

    func encode(into buffer: inout ByteBuffer, version: MQTTVersion) throws(MQTTEncodeError) {
        buffer.writeInteger(packetID)
        try buffer.writeMQTTProperties(properties, version: version)
        for code in reasonCodes { buffer.writeInteger(code.rawValue) }
    }
}

/// The rest of a SUBACK or MQTT 5.0 UNSUBACK: one code per byte, each checked against the
/// packet's table (an undefined code is a problem, reported once per distinct value).
func readReasonCodes(_ reader: inout MQTTBodyReader) -> [MQTTReasonCode] {
    let bytes = reader.readRestBytes()
    let type = reader.type
    let version = reader.version
    var reported = Set<UInt8>()
    for code in bytes where !MQTTReasonCode.isValid(code, in: type, version: version) {
        if reported.insert(code).inserted {
            reader.problems.add("reason code 0x\(hex2(code)) is not defined for \(type.name) in MQTT \(version)")
        }
    }
    return bytes.map { MQTTReasonCode(rawValue: $0) }
}
