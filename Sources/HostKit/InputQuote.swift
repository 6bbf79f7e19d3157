/// File content quoted in a message, made safe for the terminal that shows the message.
///
/// A corrupt or hostile copy of /proc or /sys can hold any bytes; echoed raw, an ESC starts a
/// terminal control sequence (retitle the window, rewrite the screen) and invalid UTF-8 garbles
/// the line. Every message that quotes input goes through here, so the rule is kept once:
/// control characters, DEL, C1 controls, bidirectional overrides and bytes that are not UTF-8
/// are written as escapes (`\x1b`, `\u{202e}`), a backslash as `\\`, and a long quote is cut.
public enum InputQuote {
    /// Characters of input shown before a quote is cut with "…".
    public static let characterLimit = 40

    /// `'text'`, escaped, at most `characterLimit` input characters then "…".
    public static func quoted(_ bytes: some Collection<UInt8>) -> String {
        "'" + escaped(bytes, limit: characterLimit) + "'"
    }

    public static func quoted(_ text: some StringProtocol) -> String {
        quoted(text.utf8)
    }

    /// The input escaped as `quoted` does, without quotes and cut after `limit` characters
    /// (nil: never cut; for paths, which must stay whole to be usable).
    public static func escaped(_ bytes: some Collection<UInt8>, limit: Int? = nil) -> String {
        var output = ""
        var shown = 0
        var index = bytes.startIndex
        while index != bytes.endIndex {
            if let limit, shown == limit {
                output += "…"
                break
            }
            var iterator = bytes[index...].makeIterator()
            var parser = Unicode.UTF8.ForwardParser()
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                append(Unicode.UTF8.decode(encoded), to: &output)
                index = bytes.index(index, offsetBy: encoded.count)
            case .error(let length):
                for byte in bytes[index...].prefix(length) { output += "\\x" + hex(byte) }
                index = bytes.index(index, offsetBy: length)
            case .emptyInput:
                index = bytes.endIndex
            }
            shown += 1
        }
        return output
    }

    public static func escaped(_ text: some StringProtocol, limit: Int? = nil) -> String {
        escaped(text.utf8, limit: limit)
    }

    private static func append(_ scalar: Unicode.Scalar, to output: inout String) {
        switch scalar.value {
        case 0x5C: output += "\\\\"
        case 0x09: output += "\\t"
        case 0x0A: output += "\\n"
        case 0x0D: output += "\\r"
        case 0x00..<0x20, 0x7F: output += "\\x" + hex(UInt8(scalar.value))
        // C1 controls (0x9B is a CSI on some terminals) and the bidirectional overrides,
        // which reorder what the rest of the line appears to say.
        case 0x80..<0xA0, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069:
            output += "\\u{" + String(scalar.value, radix: 16) + "}"
        default: output.unicodeScalars.append(scalar)
        }
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef".unicodeScalars)
        return String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)])
    }
}
