/// Escaping for everything the report did not write itself: host names, kernel strings,
/// interface names, reasons and findings come from the host or from other tools, and an
/// interface may legally be called `eth<0>&"x"`. One function, used for element text and
/// quoted attribute values alike, so no call site has to decide which characters matter.
extension String {
    /// Appends `text` escaped for HTML text or a double- or single-quoted attribute value.
    /// C0 controls (other than tab, newline, carriage return) and DEL become U+FFFD: they are
    /// parse errors in HTML and would only hide what the host really reported.
    mutating func appendHTML<Text: StringProtocol>(_ text: Text) {
        // Most strings need nothing: one byte scan, then a plain append.
        if !text.utf8.contains(where: String.needsEscaping) {
            append(contentsOf: text)
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": append("&amp;")
            case "<": append("&lt;")
            case ">": append("&gt;")
            case "\"": append("&quot;")
            case "'": append("&#39;")
            case "\t", "\n", "\r": unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: append("\u{FFFD}")
            default: unicodeScalars.append(scalar)
            }
        }
    }

    /// `text` escaped, for the places that build a small string first.
    static func html<Text: StringProtocol>(_ text: Text) -> String {
        var escaped = ""
        escaped.appendHTML(text)
        return escaped
    }

    private static func needsEscaping(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "'"): true
        case 0x09, 0x0A, 0x0D: false
        case 0..<0x20, 0x7F: true
        default: false
        }
    }
}
