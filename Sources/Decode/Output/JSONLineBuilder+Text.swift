/// Plain text into the builder's memory: the text output of a decode writes its message lines
/// here byte by byte, as `--json` writes its objects, instead of building a String per piece
/// (which made the text output twice as slow as JSON that is four times as long).
/// None of these add JSON's commas: text lines are written at the top level.
extension JSONLineBuilder {
    mutating func text(_ literal: StaticString) {
        append(literal)
    }

    mutating func text(_ string: String) {
        append(string)
    }

    /// Bytes as they are (the caller knows them to be the UTF-8 it wants shown).
    mutating func text(bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    mutating func decimal<I: BinaryInteger>(_ value: I) {
        appendDecimal(Int64(truncatingIfNeeded: value))
    }

    /// A 64-bit unsigned number (CMP's server message ids): `decimal` would wrap one above `Int64.max`.
    mutating func decimal(unsigned value: UInt64) {
        unsigned(value)
    }

    /// `value` in exactly `digits` digits, zeros in front (a fraction's digits).
    mutating func zeroPadded(_ value: UInt64, digits: Int) {
        let out = reserve(digits)
        var rest = value
        for index in stride(from: digits - 1, through: 0, by: -1) {
            out[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
        }
        count += digits
    }

    /// `count` spaces (none when it is not positive): the padding of a column.
    mutating func spaces(_ count: Int) {
        guard count > 0 else { return }
        reserve(count).update(repeating: UInt8(ascii: " "), count: count)
        self.count += count
    }

    /// Two lower-case hex digits per byte.
    mutating func hex(_ bytes: UnsafeRawBufferPointer) {
        let out = reserve(bytes.count * 2)
        for (index, byte) in bytes.enumerated() {
            out[2 * index] = Self.hexDigits[Int(byte >> 4)]
            out[2 * index + 1] = Self.hexDigits[Int(byte & 0xF)]
        }
        count += bytes.count * 2
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Drops the spaces at the end of what was written, back to `start` at the most.
    mutating func trimSpaces(downTo start: Int) {
        while count > start && base[count - 1] == UInt8(ascii: " ") { count -= 1 }
    }

    /// What was written from `start` on, as a String (the text of one line, for callers that
    /// want a String).
    func string(from start: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: base + start, count: count - start), as: UTF8.self)
    }
}
