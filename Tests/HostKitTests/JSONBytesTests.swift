import HostKit
import Testing

@Suite("JSONBytes")
struct JSONBytesTests {
    /// Byte-at-a-time escaping as RFC 8259 asks for it, against which the word-at-a-time fast
    /// path is checked.
    private func reference(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in text {
            switch byte {
            case UInt8(ascii: "\""): out += Array(#"\""#.utf8)
            case UInt8(ascii: "\\"): out += Array(#"\\"#.utf8)
            case 0x0A: out += Array(#"\n"#.utf8)
            case 0x0D: out += Array(#"\r"#.utf8)
            case 0x09: out += Array(#"\t"#.utf8)
            case 0..<0x20, 0x7F: out += Array(String(format: "\\u%04x", Int(byte)).utf8)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return out
    }

    @Test("every byte value at every position of a word is escaped like the byte-wise reference")
    func everyByteAtEveryPosition() {
        for length in [1, 7, 8, 9, 17] {
            for position in 0..<length {
                for value in 0...255 {
                    var text = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    text[position] = UInt8(value)
                    var out: [UInt8] = []
                    JSONBytes.appendQuoted(text, to: &out)
                    #expect(out == reference(text), "byte \(value) at \(position) of \(length)")
                }
            }
        }
    }

    @Test("neighbours of the escaped characters pass through unescaped")
    func neighbours() {
        let text: [UInt8] = [0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7E, 0x7F, 0x80, 0xFF, 0x00, 0x41, 0x42, 0x43]
        var out: [UInt8] = []
        JSONBytes.appendQuoted(text, to: &out)
        #expect(out == reference(text))
    }

    @Test("decimal integers, including the extremes")
    func decimals() {
        for value: Int64 in [0, 7, -7, 10, 1_000_000, .max, .min] {
            var out: [UInt8] = []
            JSONBytes.appendDecimal(value, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(value))
        }
    }
}
