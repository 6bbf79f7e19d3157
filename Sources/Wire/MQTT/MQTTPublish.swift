import NIOCore

extension MQTTPacket {
    /// PUBLISH: an application message, in either direction. The hot packet of every capture.
    public struct Publish: Hashable, Sendable {
        public var dup: Bool
        public var qos: MQTTQoS
        public var retain: Bool
        /// Empty in MQTT 5.0 when a Topic Alias property stands for it.
        public var topic: MQTTString
        /// Present exactly for QoS 1 and 2 (the encoder writes it only then).
        public var packetID: UInt16?
        /// MQTT 5.0 only.
        public var properties: MQTTProperties
        /// The application payload: its readable bytes. Decoded, it shares the input buffer's
        /// storage (never copied) and its reader index need not be 0: read it with the
        /// reader-index-relative calls (`readableBytesView`, `getBytes(at: readerIndex, ...)`).
        public var payload: ByteBuffer

        public init(
            topic: MQTTString, payload: ByteBuffer, qos: MQTTQoS = .atMostOnce, packetID: UInt16? = nil,
            retain: Bool = false, dup: Bool = false, properties: MQTTProperties = []
        ) {
            self.topic = topic
            self.payload = payload
            self.qos = qos
            self.packetID = packetID
            self.retain = retain
            self.dup = dup
            self.properties = properties
        }

        /// The fixed-header flags: DUP (bit 3), QoS (bits 2-1), RETAIN (bit 0).
        public var flags: UInt8 { (dup ? 0b1000 : 0) | (qos.rawValue & 0b11) << 1 | (retain ? 1 : 0) }
    }
}

extension MQTTPacket.Publish {
    /// `flags` were checked with the fixed header: QoS is 0, 1 or 2.
    init(from reader: inout MQTTBodyReader, flags: UInt8) throws(MQTTDecodeError) {
        // Fields are read and checked as locals and stored last: reading them back through a
        // fully initialised `self` copied the whole PUBLISH (retaining each of its buffers),
        // once per message.
        let dup = flags & 0b1000 != 0
        let qos = MQTTQoS(rawValue: (flags >> 1) & 0b11)
        let topic = try reader.readTopic()
        let packetID = qos == .atMostOnce ? nil : try reader.readPacketID()
        let isV5 = reader.isV5
        let properties = isV5 ? try reader.readProperties(.publish) : MQTTProperties()
        let payload = reader.readRest()
        if dup && qos == .atMostOnce { reader.problems.add("DUP set on a QoS 0 message") }
        if topicNameHasWildcard(topic) { reader.problems.add("wildcard in the topic name") }
        if topic.isEmpty && (!isV5 || properties[.topicAlias] == nil) {
            reader.problems.add("empty topic name\(isV5 ? " without a Topic Alias" : "")")
        }
        if properties.isEmpty == false, properties[.payloadFormatIndicator]?.integer == 1,
            !payloadIsUTF8(payload)
        {
            reader.problems.add("payload is not UTF-8 although its Payload Format Indicator says it is")
        }
        self.init(topic: topic, payload: payload, qos: qos, packetID: packetID, retain: flags & 1 != 0, dup: dup, properties: properties)
    }

    func encode(into buffer: inout ByteBuffer, version: MQTTVersion) throws(MQTTEncodeError) {
        try buffer.writeMQTTString(topic, "topic name")
        if qos != .atMostOnce {
            guard let packetID else { throw MQTTEncodeError(.missingPacketIdentifier(.publish)) }
            buffer.writeInteger(packetID)
        }
        try buffer.writeMQTTProperties(properties, version: version)
        buffer.writeImmutableBuffer(payload)
    }
}

private func payloadIsUTF8(_ payload: ByteBuffer) -> Bool {
    payload.withUnsafeReadableBytes { String(validating: $0, as: UTF8.self) != nil }
}
