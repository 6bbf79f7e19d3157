import HostKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where output goes, and whether it is a person at a terminal (colour, progress) or a pipe.
struct Console {
    let isTerminal: Bool
    let useColor: Bool

    init() {
        isTerminal = isatty(STDOUT_FILENO) == 1
        useColor = isTerminal && getenv("NO_COLOR") == nil && (getenv("TERM").map { String(cString: $0) } ?? "dumb") != "dumb"
    }

    func print(_ text: String) {
        Swift.print(text)
    }

    /// `cmtune: <message>` on stderr, the way command-line tools report problems.
    static func error(_ message: String) {
        writeStandardError("cmtune: \(message)\n")
    }

    /// Unbuffered, so progress and errors appear in order with what stdout printed.
    static func writeStandardError(_ text: String) {
        var copy = text
        copy.withUTF8 { buffer in _ = write(STDERR_FILENO, buffer.baseAddress, buffer.count) }
    }

    /// True when a person watches stderr (progress goes there).
    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Reports the issues met while reading on stderr; returns the exit code they imply.
    /// The same problem read twice (by the inventory and by a sample) is said once.
    static func report(_ issues: [HostIssue]) -> Int32 {
        for issue in issues.uniqued() { error(issue.description) }
        return issues.isEmpty ? 0 : 1
    }

    func paint(_ text: String, _ style: Style) -> String {
        guard useColor else { return text }
        return "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m"
    }

    enum Style: String {
        case bold = "1"
        case red = "31"
        case yellow = "33"
        case cyan = "36"
        case dim = "2"
    }
}
