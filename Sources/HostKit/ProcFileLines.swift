/// The lines of a /proc counter file, numbered from 1.
///
/// The kernel ends every line of /proc/interrupts, /proc/softirqs, /proc/stat and
/// /proc/net/softnet_stat with a newline, so a last line without one was cut while being
/// copied: its numbers may be short by digits. It is reported and left out, never parsed.
struct ProcFileLines {
    /// Whole lines (without their newline), with their numbers.
    var lines: [(number: Int, text: Substring)] = []
    /// The issue for a cut last line, if there was one.
    var cutShort: HostIssue?

    init(_ text: String, path: String) {
        var number = 0
        var rest = text[...]
        while !rest.isEmpty {
            number += 1
            // By bytes: "\r\n" is one Character, and would hide the newline from a search.
            guard let newline = rest.utf8.firstIndex(of: 0x0A) else {
                cutShort = Self.cutShortIssue(path: path, line: number)
                return
            }
            lines.append((number, rest[..<newline]))
            rest = rest[rest.utf8.index(after: newline)...]
        }
    }

    static func cutShortIssue(path: String, line: Int) -> HostIssue {
        HostIssue(path: path, line: line, message: "line \(line) is cut short: no newline at the end of the file")
    }
}
