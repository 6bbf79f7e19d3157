/// PCI function addresses as sysfs names them: `0000:3b:00.0` (domain:bus:device.function).
public enum PCIAddress {
    private static let withDomain = Array("xxxx:xx:xx.x".utf8)
    private static let withoutDomain = Array("xx:xx.x".utf8)

    public static func isValid<S: StringProtocol>(_ text: S) -> Bool {
        // dddd:bb:dd.f, or bb:dd.f without the domain.
        let shape: [UInt8]
        switch text.utf8.count {
        case withDomain.count: shape = withDomain
        case withoutDomain.count: shape = withoutDomain
        default: return false
        }
        for (byte, expected) in zip(text.utf8, shape) {
            if expected == UInt8(ascii: "x") {
                guard byte.isASCIIDigit || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f")) else { return false }
            } else if byte != expected {
                return false
            }
        }
        return true
    }
}

/// Byte-level text helpers for IRQ names, which are short ASCII strings read by the thousand:
/// no Foundation (start-up time) and no copies into arrays.
extension StringProtocol {
    /// The number written in ASCII digits after `prefix`, when that is all that follows it.
    func number(after prefix: String) -> Int? {
        guard hasPrefix(prefix) else { return nil }
        return dropFirst(prefix.count).decimalValue
    }

    /// The value of a run of ASCII digits (no sign, no spaces); nil for anything else or for a
    /// number too long to be an index.
    var decimalValue: Int? {
        guard !isEmpty, utf8.count <= 9 else { return nil }
        var value = 0
        for byte in utf8 {
            guard byte.isASCIIDigit else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}

extension StringProtocol where UTF8View: BidirectionalCollection {
    /// The last occurrence of `needle`, as bytes. Searched from the end, so the search stops at
    /// the match; a position whose byte is not the needle's first is passed over at once.
    func lastRange(of needle: String) -> Range<Index>? {
        let pattern = needle.utf8
        let bytes = utf8
        guard let first = pattern.first, bytes.count >= pattern.count else { return nil }
        var start = bytes.index(bytes.endIndex, offsetBy: -pattern.count)
        while true {
            if bytes[start] == first, bytes[start...].starts(with: pattern) {
                return start..<bytes.index(start, offsetBy: pattern.count)
            }
            if start == bytes.startIndex { return nil }
            bytes.formIndex(before: &start)
        }
    }
}
