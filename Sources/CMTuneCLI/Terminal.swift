#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A full-screen terminal session for `top`: alternate screen, hidden cursor, unbuffered keys,
/// and everything restored on the way out, also after Ctrl-C or SIGTERM.
final class Terminal {
    private var saved = termios()
    private var active = false

    /// Enters full-screen mode when stdin and stdout are terminals; nil otherwise.
    static func fullScreen() -> Terminal? {
        guard isatty(STDOUT_FILENO) == 1, isatty(STDIN_FILENO) == 1 else { return nil }
        let terminal = Terminal()
        guard tcgetattr(STDIN_FILENO, &terminal.saved) == 0 else { return nil }
        var raw = terminal.saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        raw.c_cc.6 = 0  // VMIN: reads return at once
        raw.c_cc.5 = 0  // VTIME
        guard tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0 else { return nil }
        terminal.active = true
        terminal.write("\u{1B}[?1049h\u{1B}[?25l")
        return terminal
    }

    deinit { restore() }

    func restore() {
        guard active else { return }
        active = false
        write("\u{1B}[?25h\u{1B}[?1049l")
        tcsetattr(STDIN_FILENO, TCSANOW, &saved)
    }

    /// Rows and columns of the window, or a classic 24x80 when the size is unknown.
    var size: (rows: Int, columns: Int) {
        var window = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &window) == 0, window.ws_row > 0 else { return (24, 80) }
        return (Int(window.ws_row), Int(window.ws_col))
    }

    /// Replaces the screen's content in one write, so it does not flicker.
    func draw(_ lines: [String]) {
        write("\u{1B}[H" + lines.map { $0 + "\u{1B}[K" }.joined(separator: "\r\n") + "\u{1B}[J")
    }

    /// Waits up to `seconds` for a key; returns it, or nil on timeout or a stop signal.
    func key(within seconds: Double) -> UInt8? {
        guard StoppableWait.wait(seconds, orReadable: STDIN_FILENO) == .input else { return nil }
        var byte: UInt8 = 0
        return read(STDIN_FILENO, &byte, 1) == 1 ? byte : nil
    }

    private func write(_ text: String) {
        var copy = text
        copy.withUTF8 { buffer in _ = Glibc.write(STDOUT_FILENO, buffer.baseAddress, buffer.count) }
    }
}
