import HostKit

/// Writes JSON objects straight into bytes, one per line, without building a tree first.
///
/// `decode --json` emits an object per protocol message, a million of them for a large capture;
/// a value tree or String concatenation per message would cost more than decoding it.
public struct JSONLineBuilder: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// Whether the next value in the current object or array needs a comma first.
    private var needsComma: [Bool] = []

    public init(capacity: Int = 1 << 16) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func removeAll(keepingCapacity: Bool = true) {
        bytes.removeAll(keepingCapacity: keepingCapacity)
        needsComma.removeAll(keepingCapacity: true)
    }

    // MARK: Structure

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma.removeLast()
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma.append(false)
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma.removeLast()
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
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
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

    public mutating func string(_ value: String) {
        separate()
        appendQuoted(value.utf8)
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
        guard let last = needsComma.last else { return }
        if last == true {
            bytes.append(UInt8(ascii: ","))
        }
        needsComma[needsComma.count - 1] = true
    }

    /// After a key the value must not add a comma: the next `separate` sees "false".
    private mutating func markValuePending() {
        needsComma[needsComma.count - 1] = false
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
        var iterator = input.makeIterator()
        while let first = iterator.next() {
            let second = iterator.next()
            let third = iterator.next()
            let value = UInt32(first) << 16 | UInt32(second ?? 0) << 8 | UInt32(third ?? 0)
            output.append(alphabet[Int(value >> 18 & 0x3F)])
            output.append(alphabet[Int(value >> 12 & 0x3F)])
            output.append(second == nil ? UInt8(ascii: "=") : alphabet[Int(value >> 6 & 0x3F)])
            output.append(third == nil ? UInt8(ascii: "=") : alphabet[Int(value & 0x3F)])
        }
    }

    public static func encode<C: Collection>(_ input: C) -> String where C.Element == UInt8 {
        var output: [UInt8] = []
        encode(input, into: &output)
        return String(decoding: output, as: UTF8.self)
    }
}
