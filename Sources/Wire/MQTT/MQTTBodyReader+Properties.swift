import NIOCore

extension MQTTBodyReader {
    /// Reads an MQTT 5.0 property block: a variable-byte-integer length, then properties.
    ///
    /// Fatal: a length past the packet's end, an unknown id (its value's length is unknown), a
    /// value cut by the block's end. Problems: a property that may not repeat appearing again
    /// (the first is kept, as a receiver would), a property outside its allowed packets (kept,
    /// so the reader sees it), an out-of-range value. Every property takes at least two bytes
    /// and duplicates are found with a 64-bit mask, so a "property bomb" costs O(bytes) and each
    /// distinct problem is reported once.
    mutating func readProperties(_ scope: MQTTPropertyScope) throws(MQTTDecodeError) -> MQTTProperties {
        let lengthOffset = offset
        let length = Int(try readVariableByteInteger("property length"))
        if length == 0 { return MQTTProperties() }
        guard length <= remaining else {
            throw truncated("properties (\(length) bytes declared, \(remaining) left)", at: lengthOffset)
        }
        // Narrow the readable bytes to the block so every read below stops at its end.
        let packetEnd = narrow(to: length)
        var properties: [MQTTProperty] = []
        // Room for a usual block at once (each property takes two bytes or more): growing from
        // one element reallocated for nearly every MQTT 5 PUBLISH.
        properties.reserveCapacity(min(length / 2, 4))
        var seen: UInt64 = 0
        var reported: UInt64 = 0
        while remaining > 0 {
            let idOffset = offset
            let raw = readKnownByte()
            let id = MQTTPropertyID(rawValue: raw)
            guard let kind = id.valueKind else { throw error(.unknownProperty(id: raw), at: idOffset) }
            let value: MQTTPropertyValue
            switch kind {
            case .byte: value = .byte(try readByte(id.name))
            case .twoByteInteger: value = .twoByteInteger(try readUInt16(id.name))
            case .fourByteInteger: value = .fourByteInteger(try readUInt32(id.name))
            case .variableByteInteger: value = .variableByteInteger(try readVariableByteInteger(id.name))
            case .utf8String: value = .utf8String(try readString(id.name))
            case .binaryData: value = .binaryData(try readBinary(id.name))
            case .utf8StringPair:
                let name = try readRepeatedString("\(id.name) name")
                value = .utf8StringPair(name, try readRepeatedString("\(id.name) value"))
            }
            let bit: UInt64 = 1 << UInt64(raw)  // known ids are all below 64
            if seen & bit != 0 && !id.mayRepeat(in: scope) {
                if reported & bit == 0 { problems.add("duplicate \(id.name) (the first is kept)") }
                reported |= bit
                continue
            }
            if seen & bit == 0 && !id.allowedScope.contains(scope) {
                problems.add("\(id.name) is not allowed in \(scope)")
            }
            checkRange(id, value)
            seen |= bit
            properties.append(MQTTProperty(id, consume value))
        }
        endNarrowing(packetEnd)
        return MQTTProperties(properties)
    }

    /// Values the spec rules out although they fit their type.
    private mutating func checkRange(_ id: MQTTPropertyID, _ value: MQTTPropertyValue) {
        guard let number = value.integer else { return }
        switch id {
        case .payloadFormatIndicator, .requestProblemInformation, .requestResponseInformation, .maximumQoS,
            .retainAvailable, .wildcardSubscriptionAvailable, .subscriptionIdentifierAvailable,
            .sharedSubscriptionAvailable:
            if number > 1 { problems.add("\(id.name) \(number) is neither 0 nor 1") }
        case .receiveMaximum, .topicAlias, .maximumPacketSize, .subscriptionIdentifier:
            if number == 0 { problems.add("\(id.name) 0 is not allowed") }
        default:
            break
        }
    }
}
