import NIOCore

extension MQTTPacket {
    /// CONNECT: the first packet a client sends; it names the protocol version for the rest of
    /// the connection (in both directions).
    public struct Connect: Hashable, Sendable {
        /// "MQTT", or "MQIsdp" for MQTT 3.1; kept as sent.
        public var protocolName: MQTTString
        /// 3, 4 or 5; Mosquitto bridges add 0x80.
        public var protocolLevel: UInt8
        /// Clean Start (5.0) / Clean Session (3.x).
        public var cleanStart: Bool
        /// Seconds; 0 turns keep-alive off.
        public var keepAlive: UInt16
        /// MQTT 5.0 only.
        public var properties: MQTTProperties
        public var clientID: MQTTString
        public var will: Will?
        public var username: MQTTString?
        public var password: [UInt8]?

        public init(
            version: MQTTVersion, clientID: MQTTString, cleanStart: Bool = true, keepAlive: UInt16 = 60,
            properties: MQTTProperties = [], will: Will? = nil, username: MQTTString? = nil, password: [UInt8]? = nil
        ) {
            self.init(
                protocolName: MQTTString(version.protocolName), protocolLevel: version.rawValue, cleanStart: cleanStart,
                keepAlive: keepAlive, properties: properties, clientID: clientID, will: will, username: username,
                password: password)
        }

        public init(
            protocolName: MQTTString, protocolLevel: UInt8, cleanStart: Bool, keepAlive: UInt16,
            properties: MQTTProperties, clientID: MQTTString, will: Will?, username: MQTTString?, password: [UInt8]?
        ) {
            self.protocolName = protocolName
            self.protocolLevel = protocolLevel
            self.cleanStart = cleanStart
            self.keepAlive = keepAlive
            self.properties = properties
            self.clientID = clientID
            self.will = will
            self.username = username
            self.password = password
        }

        /// The version the protocol name and level name together, nil when they disagree.
        public var version: MQTTVersion? { MQTTVersion(protocolName: protocolName.text, level: protocolLevel) }

        /// The layout the rest of the packet (and the connection) follows: the level without a
        /// bridge bit; an unknown level below 5 reads like 3.1.1, 5 and above like 5.0.
        public var layoutVersion: MQTTVersion { MQTTPacket.Connect.layout(forLevel: protocolLevel) }

        /// The version a decoder adopts from this CONNECT, nil for an unknown level.
        var announcedVersion: MQTTVersion? { MQTTVersion(rawValue: protocolLevel & 0x7F) }

        static func layout(forLevel level: UInt8) -> MQTTVersion {
            MQTTVersion(rawValue: level & 0x7F) ?? (level & 0x7F >= 5 ? .v5 : .v3_1_1)
        }
    }

    /// The will message a CONNECT registers, published if the client vanishes.
    public struct Will: Hashable, Sendable {
        public var qos: MQTTQoS
        public var retain: Bool
        /// MQTT 5.0 only.
        public var properties: MQTTProperties
        public var topic: MQTTString
        public var payload: [UInt8]

        public init(
            topic: MQTTString, payload: [UInt8], qos: MQTTQoS = .atMostOnce, retain: Bool = false,
            properties: MQTTProperties = []
        ) {
            self.topic = topic
            self.payload = payload
            self.qos = qos
            self.retain = retain
            self.properties = properties
        }
    }
}

extension MQTTPacket.Connect {
    init(from reader: inout MQTTBodyReader) throws(MQTTDecodeError) {
        protocolName = try reader.readString("protocol name")
        protocolLevel = try reader.readByte("protocol level")
        let flags = try reader.readByte("connect flags")
        keepAlive = try reader.readUInt16("keep alive")
        let level = protocolLevel
        let name = protocolName.text
        let layout = MQTTPacket.Connect.layout(forLevel: level)
        if MQTTVersion(protocolName: name, level: level) == nil {
            if level & 0x80 != 0, MQTTVersion(protocolName: name, level: level & 0x7F) != nil {
                reader.problems.add(
                    "protocol level 0x\(hex2(level)) has bit 7 set (a Mosquitto bridge's non-standard marker)")
            } else {
                reader.problems.add(
                    "protocol name \"\(name)\" with level \(level) is not an MQTT version; read as \(layout)")
            }
        }
        if flags & 0x01 != 0 { reader.problems.add("reserved bit 0 of the connect flags is set") }
        cleanStart = flags & 0x02 != 0
        let hasWill = flags & 0x04 != 0
        let willQoS = MQTTQoS(rawValue: (flags >> 3) & 0b11)
        let willRetain = flags & 0x20 != 0
        let hasPassword = flags & 0x40 != 0
        let hasUsername = flags & 0x80 != 0
        if !hasWill && (willQoS != .atMostOnce || willRetain) {
            reader.problems.add("will QoS or will retain set without the will flag")
        }
        if !willQoS.isValid { reader.problems.add("will QoS 3 is invalid") }
        if layout != .v5 && hasPassword && !hasUsername {
            reader.problems.add("password flag set without the user name flag")
        }
        properties = layout == .v5 ? try reader.readProperties(.connect) : MQTTProperties()
        clientID = try reader.readString("client identifier")
        if clientID.isEmpty && !cleanStart && layout != .v5 {
            reader.problems.add("empty client identifier without clean session")
        }
        if hasWill {
            let willProperties = layout == .v5 ? try reader.readProperties(.will) : MQTTProperties()
            let topic = try reader.readString("will topic")
            if topicNameHasWildcard(topic) { reader.problems.add("wildcard in the will topic") }
            let payload = try reader.readBinary("will payload")
            will = MQTTPacket.Will(
                topic: topic, payload: payload, qos: willQoS, retain: willRetain, properties: willProperties)
        } else {
            will = nil
        }
        username = hasUsername ? try reader.readString("user name") : nil
        password = hasPassword ? try reader.readBinary("password") : nil
        reader.expectEnd(after: hasPassword ? "password" : hasUsername ? "user name" : "CONNECT payload")
    }

    func encode(into buffer: inout ByteBuffer) throws(MQTTEncodeError) {
        let layout = layoutVersion
        try buffer.writeMQTTString(protocolName, "protocol name")
        buffer.writeInteger(protocolLevel)
        var flags: UInt8 = cleanStart ? 0x02 : 0
        if let will {
            guard will.qos.rawValue <= 3 else { throw MQTTEncodeError(.invalidQoS(will.qos.rawValue)) }
            flags |= 0x04 | will.qos.rawValue << 3 | (will.retain ? 0x20 : 0)
        }
        if password != nil { flags |= 0x40 }
        if username != nil { flags |= 0x80 }
        buffer.writeInteger(flags)
        buffer.writeInteger(keepAlive)
        try buffer.writeMQTTProperties(properties, version: layout)
        try buffer.writeMQTTString(clientID, "client identifier")
        if let will {
            try buffer.writeMQTTProperties(will.properties, version: layout)
            try buffer.writeMQTTString(will.topic, "will topic")
            try buffer.writeMQTTBinary(will.payload, "will payload")
        }
        if let username { try buffer.writeMQTTString(username, "user name") }
        if let password { try buffer.writeMQTTBinary(password, "password") }
    }
}

/// Whether a topic name contains '+' or '#', which only topic filters may.
func topicNameHasWildcard(_ topic: MQTTString) -> Bool {
    topic.bytes.withUnsafeBufferPointer { bytes in
        for byte in bytes where byte == UInt8(ascii: "+") || byte == UInt8(ascii: "#") { return true }
        return false
    }
}
