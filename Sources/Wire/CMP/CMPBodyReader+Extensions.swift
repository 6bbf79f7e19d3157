import NIOCore

extension CMPBodyReader {
    /// How many unknown entries one message keeps: far more than any version will define, few
    /// enough that an "extension bomb" (millions of two-byte entries) costs a bounded list
    /// rather than one array element per two bytes of input. The rest are skipped, with a
    /// problem saying how many.
    static let maximumUnknownExtensions = 64

    /// The extension block: a varint byte count, then entries of varint id, varint length, value.
    ///
    /// The empty block, the byte 0x00, is checked first and costs that one read. Fatal: the
    /// count cut by the message's end, a block longer than the rest of the message, an entry
    /// whose id, length or value runs past the block (`extensionOverrun`), a varint over four
    /// bytes. Problems: a known id with a value of the wrong length (ignored) or repeated (the
    /// first counts), invalid UTF-8 in a text value, a non-minimal varint. Every entry takes at
    /// least two bytes and duplicates are tracked in a bit mask, so any block costs O(its bytes).
    @inline(__always)
    mutating func readExtensions() throws(CMPDecodeError) -> CMPExtensions {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else {
            throw error(.fieldTruncated("extensions"), at: offset)
        }
        if first == 0 {
            buffer.moveReaderIndex(forwardBy: 1)
            return CMPExtensions()
        }
        return try readExtensionEntries()
    }

    private mutating func readExtensionEntries() throws(CMPDecodeError) -> CMPExtensions {
        let blockOffset = offset
        let length = try readVarint("extensions", ifCut: .fieldTruncated("extensions"), at: blockOffset)
        guard length <= buffer.readableBytes else { throw error(.extensionOverrun, at: blockOffset) }
        // Narrow the readable bytes to the block so that every read below stops at its end.
        let messageEnd = buffer.writerIndex
        buffer.moveWriterIndex(to: buffer.readerIndex + length)
        var extensions = CMPExtensions()
        var seen: UInt8 = 0  // bit n: id n (1 to 4) has appeared
        var reported: UInt8 = 0  // bit n: its duplicate was reported
        var skippedUnknown = 0
        while buffer.readableBytes > 0 {
            let entryOffset = offset
            let id = try readVarint("extension id", ifCut: .extensionOverrun, at: entryOffset)
            let valueLength = try readVarint("extension length", ifCut: .extensionOverrun, at: entryOffset)
            guard valueLength <= buffer.readableBytes else { throw error(.extensionOverrun, at: entryOffset) }
            guard id >= 1 && id <= 4 else {
                if extensions.unknown.count < CMPBodyReader.maximumUnknownExtensions {
                    let value = buffer.readBytes(length: valueLength)!  // checked above
                    extensions.unknown.append(CMPUnknownExtension(id: UInt32(id), value: value))
                } else {
                    buffer.moveReaderIndex(forwardBy: valueLength)
                    skippedUnknown += 1
                }
                continue
            }
            let bit = UInt8(1) << UInt8(id)
            let name = CMPExtensions.name(ofID: UInt32(id))
            if seen & bit != 0 {
                if reported & bit == 0 { problems.add("duplicate \(name) (the first is kept)") }
                reported |= bit
                buffer.moveReaderIndex(forwardBy: valueLength)
                continue
            }
            seen |= bit
            switch UInt32(id) {
            case CMPExtensionID.reasonString:
                extensions.reasonString = readText(length: valueLength, name, forbidsNull: false)
            case CMPExtensionID.contentType:
                extensions.contentType = readText(length: valueLength, name, forbidsNull: false)
            case CMPExtensionID.reconnectDelay:
                if valueLength == 4 {
                    extensions.reconnectDelay = buffer.readInteger(as: UInt32.self)
                } else {
                    problems.add("\(name) is \(valueLength) bytes, not 4 (ignored)")
                    buffer.moveReaderIndex(forwardBy: valueLength)
                }
            default:  // client-time
                if valueLength == 8 {
                    extensions.clientTime = buffer.readInteger(as: UInt64.self)
                } else {
                    problems.add("\(name) is \(valueLength) bytes, not 8 (ignored)")
                    buffer.moveReaderIndex(forwardBy: valueLength)
                }
            }
        }
        buffer.moveWriterIndex(to: messageEnd)
        if skippedUnknown > 0 {
            problems.add(
                "\(skippedUnknown) more unknown extensions skipped (the first \(CMPBodyReader.maximumUnknownExtensions) are kept)")
        }
        return extensions
    }

    /// A varint inside the body. Cut by the end of the readable bytes: `cut` at `start`; over
    /// four bytes: fatal (where it ends is unknown); not minimal: a problem (the value is clear).
    private mutating func readVarint(
        _ field: String, ifCut cut: CMPDecodeError.Kind, at start: Int
    ) throws(CMPDecodeError) -> Int {
        switch CMPVarint.parse(buffer, at: buffer.readerIndex) {
        case .incomplete:
            throw error(cut, at: start)
        case .tooLong:
            throw error(.varintTooLong(field), at: offset)
        case .value(let value, let byteCount, let minimal):
            buffer.moveReaderIndex(forwardBy: byteCount)
            if !minimal { problems.add("non-minimal encoding of the \(field)") }
            return value
        }
    }
}
