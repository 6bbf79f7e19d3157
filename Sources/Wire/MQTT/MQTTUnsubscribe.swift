import NIOCore

extension MQTTPacket {
    /// UNSUBSCRIBE: the topic filters to drop.
    public struct Unsubscribe: Hashable, Sendable {
        public var packetID: UInt16
        /// MQTT 5.0 only.
        public var properties: MQTTProperties
        public var filters: [MQTTString]

        public init(packetID: UInt16, filters: [MQTTString], properties: MQTTProperties = []) {
            self.packetID = packetID
            self.filters = filters
            self.properties = properties
        }
    }
}

extension MQTTPacket.Unsubscribe {
    init(from reader: inout MQTTBodyReader) throws(MQTTDecodeError) {
        packetID = try reader.readPacketID()
        properties = reader.isV5 ? try reader.readProperties(.unsubscribe) : MQTTProperties()
        filters = []
        while reader.remaining > 0 {
            let filter = try reader.readString("topic filter")
            if filter.isEmpty { reader.problems.add("empty topic filter") }
            filters.append(filter)
        }
        if filters.isEmpty { reader.problems.add("UNSUBSCRIBE without any topic filter") }
    }

    func encode(into buffer: inout ByteBuffer, version: MQTTVersion) throws(MQTTEncodeError) {
        buffer.writeInteger(packetID)
        try buffer.writeMQTTProperties(properties, version: version)
        for filter in filters { try buffer.writeMQTTString(filter, "topic filter") }
    }
}
