import NIOCore

/// The encoder's field writers: each checks that the value fits its wire field and throws
/// instead of truncating.
extension ByteBuffer {
    mutating func writeMQTTString(_ string: MQTTString, _ field: @autoclosure () -> String) throws(MQTTEncodeError) {
        try writeMQTTBinary(string.bytes, field())
    }

    mutating func writeMQTTBinary(_ bytes: [UInt8], _ field: @autoclosure () -> String) throws(MQTTEncodeError) {
        guard bytes.count <= Int(UInt16.max) else {
            throw MQTTEncodeError(.fieldTooLong(field: field(), length: bytes.count, maximum: Int(UInt16.max)))
        }
        writeInteger(UInt16(bytes.count))
        writeBytes(bytes)
    }

    /// A variable byte integer in its minimal form.
    mutating func writeMQTTVariableByteInteger(_ value: Int, _ field: @autoclosure () -> String) throws(MQTTEncodeError) {
        guard value >= 0 && value <= MQTTFixedHeader.maximumRemainingLength else {
            throw MQTTEncodeError(
                .fieldTooLong(field: field(), length: value, maximum: MQTTFixedHeader.maximumRemainingLength))
        }
        var rest = value
        repeat {
            var byte = UInt8(rest & 0x7F)
            rest >>= 7
            if rest > 0 { byte |= 0x80 }
            writeInteger(byte)
        } while rest > 0
    }

    /// Writes what `body` writes, preceded by its length as a minimal variable byte integer.
    ///
    /// Reserves the four-byte maximum, writes the body once, then moves it down over the unused
    /// prefix bytes: one pass and one short memmove instead of measuring every field twice.
    mutating func writeMQTTLengthPrefixed(
        _ field: String, _ body: (inout ByteBuffer) throws(MQTTEncodeError) -> Void
    ) throws(MQTTEncodeError) {
        let prefixIndex = writerIndex
        writeInteger(UInt32(0))
        let bodyIndex = writerIndex
        try body(&self)
        let length = writerIndex - bodyIndex
        guard length <= MQTTFixedHeader.maximumRemainingLength else {
            moveWriterIndex(to: prefixIndex)
            throw MQTTEncodeError(
                .fieldTooLong(field: field, length: length, maximum: MQTTFixedHeader.maximumRemainingLength))
        }
        var byteCount = 0
        var rest = length
        repeat {
            var byte = UInt8(rest & 0x7F)
            rest >>= 7
            if rest > 0 { byte |= 0x80 }
            setInteger(byte, at: prefixIndex + byteCount)
            byteCount += 1
        } while rest > 0
        if byteCount < 4 {
            // In range by construction: the body lies in the readable bytes after the prefix.
            _ = try? copyBytes(at: bodyIndex, to: prefixIndex + byteCount, length: length)
            moveWriterIndex(to: prefixIndex + byteCount + length)
        }
    }

    /// An MQTT 5.0 property block; in 3.x nothing, and properties there are an error.
    mutating func writeMQTTProperties(_ properties: MQTTProperties, version: MQTTVersion) throws(MQTTEncodeError) {
        guard version == .v5 else {
            if !properties.isEmpty { throw MQTTEncodeError(.notInVersion("properties", version)) }
            return
        }
        try writeMQTTLengthPrefixed("property length") { (buffer: inout ByteBuffer) throws(MQTTEncodeError) in
            for property in properties { try buffer.writeMQTTProperty(property) }
        }
    }

    mutating func writeMQTTProperty(_ property: MQTTProperty) throws(MQTTEncodeError) {
        let id = property.id
        guard let kind = id.valueKind else { throw MQTTEncodeError(.unknownProperty(id)) }
        guard kind == property.value.kind else {
            throw MQTTEncodeError(.propertyTypeMismatch(id, property.value.kind))
        }
        writeInteger(id.rawValue)
        switch property.value {
        case .byte(let value): writeInteger(value)
        case .twoByteInteger(let value): writeInteger(value)
        case .fourByteInteger(let value): writeInteger(value)
        case .variableByteInteger(let value): try writeMQTTVariableByteInteger(Int(value), id.name)
        case .utf8String(let value): try writeMQTTString(value, id.name)
        case .binaryData(let value): try writeMQTTBinary(value, id.name)
        case .utf8StringPair(let name, let value):
            try writeMQTTString(name, "\(id.name) name")
            try writeMQTTString(value, "\(id.name) value")
        }
    }
}
