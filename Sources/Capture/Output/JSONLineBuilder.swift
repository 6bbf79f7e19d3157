import HostKit

/// Writes JSON objects straight into bytes, one per line, without building a tree first.
///
/// `decode --json` emits an object per protocol message, a million of them for a large capture;
/// a value tree or String concatenation per message would cost more than decoding it.
public struct JSONLineBuilder: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// Whether the next value at each open level needs a comma first, as bits (level 0 is the
    /// lowest bit), so opening and closing a level touches no array.
    private var commaBits: UInt64 = 0
    /// Open objects and arrays; JSON from cmtune never nests deeper than 64.
    private var depth = 0

    public init(capacity: Int = 1 << 16) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func removeAll(keepingCapacity: Bool = true) {
        bytes.removeAll(keepingCapacity: keepingCapacity)
        commaBits = 0
        depth = 0
    }

    /// Appends bytes that are already valid JSON (a cached, quoted string).
    public mutating func raw(_ json: [UInt8]) {
        separate()
        bytes.append(contentsOf: json)
    }

    // MARK: Structure

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        open()
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        depth -= 1
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        open()
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        depth -= 1
    }

    private mutating func open() {
        precondition(depth < 64, "JSON nested deeper than 64 levels")
        depth += 1
        commaBits &= ~(1 << UInt64(depth - 1))
    }

    /// Ends a top-level value with a newline (JSON lines).
    public mutating func endLine() {
        bytes.append(UInt8(ascii: "\n"))
    }

    /// A key in the current object; the next call writes its value.
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        markValuePending()
    }

    /// A key that is not a literal (a property or header name): escaped like any string.
    public mutating func key(dynamic name: String) {
        separate()
        appendQuoted(name.utf8)
        bytes.append(UInt8(ascii: ":"))
        markValuePending()
    }

    // MARK: Values

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    public mutating func int<I: BinaryInteger>(_ value: I) {
        separate()
        appendDecimal(Int64(truncatingIfNeeded: value))
    }

    /// A 64-bit unsigned number (CMP's ids and times): `int` would wrap one above `Int64.max`.
    public mutating func unsigned(_ value: UInt64) {
        guard value > UInt64(Int64.max) else { return int(value) }
        separate()
        bytes.append(contentsOf: String(value).utf8)
    }

    /// A number with up to `decimals` digits after the point (latencies in milliseconds).
    public mutating func number(_ value: Double, decimals: Int = 3) {
        separate()
        guard value.isFinite else { return bytes.append(contentsOf: "null".utf8) }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (value * scale).rounded()
        let whole = Int64(scaled / scale)
        var fraction = Int64(abs(scaled - Double(whole) * scale))
        if value < 0 && whole == 0 { bytes.append(UInt8(ascii: "-")) }
        appendDecimal(whole)
        guard decimals > 0, fraction > 0 else { return }
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: decimals)
        var index = decimals - 1
        while fraction > 0 && index >= 0 {
            digits[index] = UInt8(ascii: "0") + UInt8(fraction % 10)
            fraction /= 10
            index -= 1
        }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        bytes.append(UInt8(ascii: "."))
        bytes.append(contentsOf: digits)
    }

    /// `seconds.micros` with six digits, without floating point.
    public mutating func timestamp(seconds: Int64, microseconds: Int) {
        separate()
        appendDecimal(seconds)
        bytes.append(UInt8(ascii: "."))
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (48, 48, 48, 48, 48, 48)
        var value = max(0, min(microseconds, 999_999))
        withUnsafeMutableBytes(of: &digits) { buffer in
            for index in stride(from: 5, through: 0, by: -1) {
                buffer[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
            bytes.append(contentsOf: buffer)
        }
    }

    public mutating func string(_ value: String) {
        separate()
        JSONBytes.appendQuoted(value, to: &bytes)
    }

    /// A string given as bytes already known to be valid UTF-8.
    public mutating func string<C: Collection>(utf8 value: C) where C.Element == UInt8 {
        separate()
        appendQuoted(value)
    }

    public mutating func string(_ value: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        value.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Bytes as standard base64 in a string.
    public mutating func base64<C: Collection>(_ value: C) where C.Element == UInt8 {
        separate()
        bytes.append(UInt8(ascii: "\""))
        Base64.encode(value, into: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    // MARK: Fields: a key and its value in one call

    public mutating func field(_ name: StaticString, _ value: String?) {
        key(name)
        if let value { string(value) } else { null() }
    }

    public mutating func field(_ name: StaticString, _ value: StaticString) {
        key(name)
        string(value)
    }

    public mutating func field<I: BinaryInteger>(_ name: StaticString, _ value: I?) {
        key(name)
        if let value { int(value) } else { null() }
    }

    public mutating func field(_ name: StaticString, _ value: Bool?) {
        key(name)
        if let value { bool(value) } else { null() }
    }

    // MARK: Helpers

    private mutating func separate() {
        guard depth > 0 else { return }
        let bit: UInt64 = 1 << UInt64(depth - 1)
        if commaBits & bit != 0 { bytes.append(UInt8(ascii: ",")) }
        commaBits |= bit
    }

    /// After a key the value must not add a comma: the next `separate` sees "false".
    private mutating func markValuePending() {
        commaBits &= ~(1 << UInt64(depth - 1))
    }

    private mutating func appendDecimal(_ value: Int64) {
        JSONBytes.appendDecimal(value, to: &bytes)
    }

    private mutating func appendQuoted<C: Collection>(_ value: C) where C.Element == UInt8 {
        JSONBytes.appendQuoted(value, to: &bytes)
    }
}

/// Standard base64 (RFC 4648, with padding), for payloads that are not UTF-8.
public enum Base64 {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode<C: Collection>(_ input: C, into output: inout [UInt8]) where C.Element == UInt8 {
        if input.withContiguousStorageIfAvailable({ encode(UnsafeRawBufferPointer($0), into: &output) }) != nil { return }
        Array(input).withUnsafeBytes { encode($0, into: &output) }
    }

    /// Four output bytes per three input bytes, written straight into the array's new tail.
    static func encode(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        let count = (input.count + 2) / 3 * 4
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: count))
        output.withUnsafeMutableBufferPointer { buffer in
            alphabet.withUnsafeBufferPointer { table in
                var out = start
                var index = 0
                while index + 3 <= input.count {
                    let value = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
                    buffer[out] = table[Int(value >> 18 & 0x3F)]
                    buffer[out + 1] = table[Int(value >> 12 & 0x3F)]
                    buffer[out + 2] = table[Int(value >> 6 & 0x3F)]
                    buffer[out + 3] = table[Int(value & 0x3F)]
                    index += 3
                    out += 4
                }
                let left = input.count - index
                if left > 0 {
                    let value = UInt32(input[index]) << 16 | (left == 2 ? UInt32(input[index + 1]) << 8 : 0)
                    buffer[out] = table[Int(value >> 18 & 0x3F)]
                    buffer[out + 1] = table[Int(value >> 12 & 0x3F)]
                    buffer[out + 2] = left == 2 ? table[Int(value >> 6 & 0x3F)] : UInt8(ascii: "=")
                    buffer[out + 3] = UInt8(ascii: "=")
                }
            }
        }
    }

    public static func encode<C: Collection>(_ input: C) -> String where C.Element == UInt8 {
        var output: [UInt8] = []
        encode(input, into: &output)
        return String(decoding: output, as: UTF8.self)
    }
}
