import NIOCore

/// MQTT's variable byte integer, which CMP uses for the remaining length and inside the
/// extension block: seven bits per byte, least significant group first, the high bit set on
/// every byte but the last, one to four bytes.
///
/// One reader for all three users (the decoder's header, its extension block, and framing
/// without decoding) so they cannot disagree about where a varint ends.
enum CMPVarint {
    /// The largest value four bytes carry: 268,435,455.
    static let maximum = 268_435_455

    enum Parsed: Equatable {
        /// The bytes end inside the varint.
        case incomplete
        /// The fourth byte still has its continuation bit set.
        case tooLong
        /// `minimal` is false when a final 0x00 byte follows others (`0x80 0x00`): the value is
        /// clear, but the spec requires the shortest form so that a stream has one framing.
        case value(Int, byteCount: Int, minimal: Bool)
    }

    /// Reads the varint starting at `index`, without moving any index. Bytes past the
    /// buffer's writer index count as missing.
    @inline(__always)
    static func parse(_ buffer: ByteBuffer, at index: Int) -> Parsed {
        guard let first = buffer.getInteger(at: index, as: UInt8.self) else { return .incomplete }
        if first & 0x80 == 0 { return .value(Int(first), byteCount: 1, minimal: true) }
        var value = Int(first & 0x7F)
        for position in 1..<4 {
            guard let byte = buffer.getInteger(at: index + position, as: UInt8.self) else { return .incomplete }
            value |= Int(byte & 0x7F) << (7 * position)
            if byte & 0x80 == 0 { return .value(value, byteCount: position + 1, minimal: byte != 0) }
        }
        return .tooLong
    }

    /// How many bytes the minimal encoding of `value` (0 ... `maximum`) takes.
    @inline(__always)
    static func length(of value: Int) -> Int {
        value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x20_0000 ? 3 : 4
    }
}

extension ByteBuffer {
    /// Writes `value` (0 ... 268,435,455, checked by the caller) as a minimal varint.
    @inline(__always)
    mutating func writeCMPVarint(_ value: Int) {
        var rest = value
        while rest >= 0x80 {
            writeInteger(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        writeInteger(UInt8(rest))
    }
}
