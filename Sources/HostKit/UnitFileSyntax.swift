/// The part of systemd's unit file syntax that finding one setting needs: `[Section]` headers,
/// `Key=Value` lines, `#` and `;` comments, and a trailing backslash joining the next line.
enum UnitFileSyntax {
    struct Assignment: Equatable {
        var line: Int
        /// The value with surrounding whitespace removed; empty for `Key=`.
        var value: ArraySlice<UInt8>
    }

    /// Every assignment of `key` inside `section`, in file order. Lines outside any section
    /// are ignored, as systemd ignores them.
    static func assignments(of key: String, in section: String, parsing bytes: [UInt8]) -> [Assignment] {
        let keyBytes = Array(key.utf8)
        let sectionBytes = Array("[\(section)]".utf8)
        var found: [Assignment] = []
        var inSection = false
        var joined: [UInt8] = []
        var joinedStart = 0
        for (number, line) in ProcText.lines(bytes) {
            let text = trimmed(line)
            if joined.isEmpty {
                joinedStart = number
                if text.first == UInt8(ascii: "#") || text.first == UInt8(ascii: ";") { continue }
            } else if text.first == UInt8(ascii: "#") || text.first == UInt8(ascii: ";") {
                continue  // comments inside a continued line are skipped
            }
            if text.last == UInt8(ascii: "\\") {
                joined += text.dropLast()
                joined.append(0x20)
                continue
            }
            joined += text
            let logical = trimmed(joined[...])
            joined = []
            if logical.first == UInt8(ascii: "[") {
                inSection = logical.elementsEqual(sectionBytes)
                continue
            }
            guard inSection, let equals = logical.firstIndex(of: UInt8(ascii: "=")) else { continue }
            guard trimmed(logical[..<equals]).elementsEqual(keyBytes) else { continue }
            found.append(Assignment(line: joinedStart, value: trimmed(logical[(equals + 1)...])))
        }
        return found
    }

    static func trimmed(_ text: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var text = text
        while let first = text.first, first.isASCIIWhitespace { text.removeFirst() }
        while let last = text.last, last.isASCIIWhitespace { text.removeLast() }
        return text
    }
}
