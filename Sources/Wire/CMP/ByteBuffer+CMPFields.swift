import NIOCore

/// The encoder's field writers. They do not check: `CMPEncoder` measures and validates the
/// whole message first (`bodyLength()`), so by the time a byte is written nothing can fail and
/// a failed encode never leaves half a message in the buffer.
extension ByteBuffer {
    /// A `string`: u16 length, then UTF-8 (length checked by `CMPEncoder.stringLength`).
    @inline(__always)
    mutating func writeCMPString(_ string: String) {
        writeInteger(UInt16(truncatingIfNeeded: string.utf8.count))
        writeString(string)
    }

    /// The extension block in canonical form: entries in id order, only the ones set; for
    /// no extension the single byte 0x00.
    @inline(__always)
    mutating func writeCMPExtensions(_ extensions: CMPExtensions) {
        if extensions.isEmpty {
            writeInteger(UInt8(0))
        } else {
            writeCMPExtensionEntries(extensions)
        }
    }

    private mutating func writeCMPExtensionEntries(_ extensions: CMPExtensions) {
        writeCMPVarint(extensions.contentLength)
        let unknown = extensions.unknownInIDOrder
        var next = 0
        // The known ids are 1 to 4; unknown entries go before, between and after them by id.
        func writeUnknown(below id: UInt32, _ buffer: inout ByteBuffer) {
            while next < unknown.count && unknown[next].id < id {
                let entry = unknown[next]
                buffer.writeCMPVarint(Int(entry.id))
                buffer.writeCMPVarint(entry.value.count)
                buffer.writeBytes(entry.value)
                next += 1
            }
        }
        writeUnknown(below: CMPExtensionID.reasonString, &self)
        if let reason = extensions.reasonString { writeCMPTextEntry(CMPExtensionID.reasonString, reason) }
        writeUnknown(below: CMPExtensionID.reconnectDelay, &self)
        if let delay = extensions.reconnectDelay {
            writeCMPVarint(Int(CMPExtensionID.reconnectDelay))
            writeInteger(UInt8(4))
            writeInteger(delay)
        }
        writeUnknown(below: CMPExtensionID.clientTime, &self)
        if let time = extensions.clientTime {
            writeCMPVarint(Int(CMPExtensionID.clientTime))
            writeInteger(UInt8(8))
            writeInteger(time)
        }
        writeUnknown(below: CMPExtensionID.contentType, &self)
        if let type = extensions.contentType { writeCMPTextEntry(CMPExtensionID.contentType, type) }
        // Every id left is below UInt32.max: the encoder refuses ids over the varint maximum.
        writeUnknown(below: UInt32.max, &self)
    }

    private mutating func writeCMPTextEntry(_ id: UInt32, _ text: String) {
        writeCMPVarint(Int(id))
        writeCMPVarint(text.utf8.count)
        writeString(text)
    }
}

extension CMPExtensions {
    /// The bytes of the entries (the block's own length varint excluded).
    var contentLength: Int {
        var length = 0
        if let reason = reasonString { length += CMPExtensions.entryLength(CMPExtensionID.reasonString, reason.utf8.count) }
        if reconnectDelay != nil { length += 1 + 1 + 4 }
        if clientTime != nil { length += 1 + 1 + 8 }
        if let type = contentType { length += CMPExtensions.entryLength(CMPExtensionID.contentType, type.utf8.count) }
        for entry in unknown { length += CMPExtensions.entryLength(entry.id, entry.value.count) }
        return length
    }

    /// The whole block's length on the wire; throws for an unknown id too large for a varint
    /// (a block or value too long shows up as a message over the maximum).
    func encodedLength() throws(CMPEncodeError) -> Int {
        if isEmpty { return 1 }
        for entry in unknown where entry.id > CMPVarint.maximum {
            throw CMPEncodeError(.extensionIDTooLarge(entry.id))
        }
        let content = contentLength
        return CMPVarint.length(of: content) + content
    }

    private static func entryLength(_ id: UInt32, _ valueLength: Int) -> Int {
        CMPVarint.length(of: Int(id)) + CMPVarint.length(of: valueLength) + valueLength
    }

    /// `unknown` sorted by id, keeping the order of equal ids; no copy when already sorted
    /// (always, for what the decoder produced from a canonical message).
    var unknownInIDOrder: [CMPUnknownExtension] {
        var sorted = true
        var previous: UInt32 = 0
        for entry in unknown {
            if entry.id < previous {
                sorted = false
                break
            }
            previous = entry.id
        }
        if sorted { return unknown }
        return unknown.enumerated().sorted { ($0.element.id, $0.offset) < ($1.element.id, $1.offset) }.map(\.element)
    }
}
