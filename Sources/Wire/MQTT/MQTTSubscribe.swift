import NIOCore

extension MQTTPacket {
    /// SUBSCRIBE: topic filters and, for each, the options the client asks for.
    public struct Subscribe: Hashable, Sendable {
        public var packetID: UInt16
        /// MQTT 5.0 only.
        public var properties: MQTTProperties
        public var subscriptions: [Subscription]

        public init(packetID: UInt16, subscriptions: [Subscription], properties: MQTTProperties = []) {
            self.packetID = packetID
            self.subscriptions = subscriptions
            self.properties = properties
        }
    }

    /// One topic filter of a SUBSCRIBE with its subscription options byte, unpacked.
    public struct Subscription: Hashable, Sendable {
        public var filter: MQTTString
        /// The maximum QoS asked for (3 is kept, with a problem on the packet).
        public var qos: MQTTQoS
        /// MQTT 5.0: do not send my own publications back.
        public var noLocal: Bool
        /// MQTT 5.0: keep the RETAIN flag as published.
        public var retainAsPublished: Bool
        /// MQTT 5.0: when to send retained messages.
        public var retainHandling: RetainHandling

        public init(
            filter: MQTTString, qos: MQTTQoS = .atMostOnce, noLocal: Bool = false, retainAsPublished: Bool = false,
            retainHandling: RetainHandling = .sendOnSubscribe
        ) {
            self.filter = filter
            self.qos = qos
            self.noLocal = noLocal
            self.retainAsPublished = retainAsPublished
            self.retainHandling = retainHandling
        }

        /// The options byte: QoS in bits 1-0, No Local bit 2, Retain As Published bit 3,
        /// Retain Handling bits 5-4.
        public var optionsByte: UInt8 {
            qos.rawValue & 0b11 | (noLocal ? 0b100 : 0) | (retainAsPublished ? 0b1000 : 0)
                | (retainHandling.rawValue & 0b11) << 4
        }

        /// MQTT 5.0's Retain Handling option; 3 is reserved.
        public struct RetainHandling: RawRepresentable, Hashable, Sendable {
            public var rawValue: UInt8
            public init(rawValue: UInt8) { self.rawValue = rawValue }
            /// 0: send retained messages at the time of the subscribe.
            public static let sendOnSubscribe = RetainHandling(rawValue: 0)
            /// 1: send them only if the subscription did not exist yet.
            public static let sendOnNewSubscribe = RetainHandling(rawValue: 1)
            /// 2: do not send them.
            public static let doNotSend = RetainHandling(rawValue: 2)
        }
    }
}

extension MQTTPacket.Subscribe {
    init(from reader: inout MQTTBodyReader) throws(MQTTDecodeError) {
        packetID = try reader.readPacketID()
        properties = reader.isV5 ? try reader.readProperties(.subscribe) : MQTTProperties()
        subscriptions = []
        let reservedBits: UInt8 = reader.isV5 ? 0b1100_0000 : 0b1111_1100
        while reader.remaining > 0 {
            let filter = try reader.readString("topic filter")
            let options = try reader.readByte("subscription options")
            let subscription = MQTTPacket.Subscription(
                filter: filter, qos: MQTTQoS(rawValue: options & 0b11),
                noLocal: reader.isV5 && options & 0b100 != 0,
                retainAsPublished: reader.isV5 && options & 0b1000 != 0,
                retainHandling: .init(rawValue: reader.isV5 ? (options >> 4) & 0b11 : 0))
            if options & reservedBits != 0 {
                reader.problems.add("reserved bits set in the options of \"\(filter.text)\"")
            }
            if !subscription.qos.isValid { reader.problems.add("QoS 3 requested for \"\(filter.text)\"") }
            if subscription.retainHandling.rawValue == 3 {
                reader.problems.add("reserved Retain Handling 3 for \"\(filter.text)\"")
            }
            if filter.isEmpty { reader.problems.add("empty topic filter") }
            subscriptions.append(subscription)
        }
        if subscriptions.isEmpty { reader.problems.add("SUBSCRIBE without any topic filter") }
    }

    func encode(into buffer: inout ByteBuffer, version: MQTTVersion) throws(MQTTEncodeError) {
        buffer.writeInteger(packetID)
        try buffer.writeMQTTProperties(properties, version: version)
        for subscription in subscriptions {
            try buffer.writeMQTTString(subscription.filter, "topic filter")
            guard subscription.qos.rawValue <= 3 else { throw MQTTEncodeError(.invalidQoS(subscription.qos.rawValue)) }
            buffer.writeInteger(version == .v5 ? subscription.optionsByte : subscription.qos.rawValue)
        }
    }
}
