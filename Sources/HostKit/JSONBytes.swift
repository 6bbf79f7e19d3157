/// The two primitives of the JSON document writer (the CLI's `JSONValue`), on bytes: decimal
/// integers and quoted strings. Decode's line writer (`JSONLineBuilder`) escapes the same way but
/// in place, into the output buffer it reserves per line, so it does not go through an array.
public enum JSONBytes {
    /// Appends `value` in decimal, without going through String.
    public static func appendDecimal(_ value: Int64, to bytes: inout [UInt8]) {
        if value == 0 { return bytes.append(UInt8(ascii: "0")) }
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[23 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            bytes.append(contentsOf: buffer[(24 - count)...])
        }
    }

    /// Appends `text` (UTF-8 bytes) as a JSON string, escaping quotes, backslashes and controls.
    /// Runs that need no escaping (nearly all text) are copied in one go.
    @inlinable
    public static func appendQuoted<C: Collection>(_ text: C, to bytes: inout [UInt8]) where C.Element == UInt8 {
        bytes.append(UInt8(ascii: "\""))
        let done: Void? = text.withContiguousStorageIfAvailable { buffer in
            appendEscaped(UnsafeRawBufferPointer(buffer), to: &bytes)
        }
        if done == nil {
            let copy = Array(text)
            copy.withUnsafeBytes { appendEscaped($0, to: &bytes) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends a String's UTF-8 as a JSON string.
    @inlinable
    public static func appendQuoted(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        bytes.append(UInt8(ascii: "\""))
        text.withUTF8 { appendEscaped(UnsafeRawBufferPointer($0), to: &bytes) }
        bytes.append(UInt8(ascii: "\""))
    }

    @usableFromInline
    static func appendEscaped(_ text: UnsafeRawBufferPointer, to bytes: inout [UInt8]) {
        var start = 0
        var index = 0
        while index < text.count {
            // Eight bytes at a time while none needs escaping (the usual case).
            if index + 8 <= text.count, !needsEscape(text.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                index += 8
                continue
            }
            let byte = text[index]
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte != 0x7F {
                index += 1
                continue
            }
            if index > start { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[start..<index])) }
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            default:
                bytes.append(contentsOf: [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)],
                ])
            }
            index += 1
            start = index
        }
        if index > start { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[start..<index])) }
    }

    /// Whether any of eight bytes is a control character, `"`, `\\` or DEL (SWAR: the
    /// classic "has a zero byte" trick on the word and on its XORs).
    @usableFromInline
    @inline(__always)
    static func needsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ value: UInt64) -> Bool { (value &- ones) & ~value & highs != 0 }
        func hasLess(_ value: UInt64, _ limit: UInt64) -> Bool { (value &- ones &* limit) & ~value & highs != 0 }
        return hasLess(word, 0x20) || hasZero(word ^ (ones &* 0x22)) || hasZero(word ^ (ones &* 0x5C)) || hasZero(word ^ (ones &* 0x7F))
    }

    @usableFromInline
    static let hex: [UInt8] = Array("0123456789abcdef".utf8)
}
