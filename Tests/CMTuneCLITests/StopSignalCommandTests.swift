import CMTuneTestSupport
import Foundation
import HostKit
import Testing

/// `top --interval 1h` and `diagnose --duration 1h` end at once on SIGINT or SIGTERM, not
/// when their wait is over.
@Suite("Stopping top and diagnose", .timeLimit(.minutes(1)))
struct StopSignalCommandTests {
    /// A healthy host tree with every counter file `top` samples, so a clean stop has nothing
    /// to report and exits 0.
    static func countersTree() -> FixtureTree {
        let tree = FixtureTree()
        SyntheticHost.healthy().write(to: tree)
        let cpus = 0..<8
        tree.write("proc/stat", "cpu  8 0 8 80\n" + cpus.map { "cpu\($0) 1 0 1 10 0 0 0 0 0 0\n" }.joined() + "intr 0\n")
        tree.write(
            "proc/softirqs", "    " + cpus.map { "CPU\($0)" }.joined(separator: " ") + "\nNET_RX: " + cpus.map { _ in "1" }.joined(separator: " ") + "\n")
        tree.write("proc/net/softnet_stat", cpus.map { _ in "00000001 00000000 00000000\n" }.joined())
        return tree
    }

    @Test("top --interval 1h, plain and --json, exits 0 within 2 s of SIGINT or SIGTERM", arguments: [false, true], [SIGINT, SIGTERM])
    func top(json: Bool, stop: Int32) throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let tree = Self.countersTree()
        let child = try CMTuneChild(["top", "--interval", "1h", "--root", tree.path] + (json ? ["--json"] : []), blockingStopSignals: true)
        Thread.sleep(forTimeInterval: 1)
        let sent = Date()
        child.send(stop)
        let ending = try #require(child.ending(within: 2), "top was still running 2 s after the signal")
        #expect(Date().timeIntervalSince(sent) < 2)
        #expect(ending.exited, "top died of a signal instead of exiting")
        #expect(ending.status == 0, "\(ending.stderr)")
        #expect(ending.stderr.isEmpty)
    }

    @Test("top, full screen on a terminal: Ctrl-C ends it at once and the terminal is restored")
    func topFullScreen() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let tree = Self.countersTree()
        let child = try CMTuneChild(["top", "--interval", "1h", "--root", tree.path], terminal: true)
        Thread.sleep(forTimeInterval: 1.5)
        let sent = Date()
        child.type([0x03])  // Ctrl-C, which the terminal turns into SIGINT for top
        let ending = try #require(child.ending(within: 2), "top was still running 2 s after Ctrl-C")
        #expect(Date().timeIntervalSince(sent) < 2)
        #expect(ending.status == 0, "\(ending.stdout)")
        #expect(ending.stdout.contains("\u{1B}[?1049h"), "top did not enter full screen")
        #expect(ending.stdout.hasSuffix("\u{1B}[?25h\u{1B}[?1049l"), "the terminal was not restored last")
    }

    @Test("diagnose --duration 1h on the live host: SIGINT or SIGTERM while sampling exits 3 at once, saying why", arguments: [SIGINT, SIGTERM])
    func diagnose(stop: Int32) throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let child = try CMTuneChild(["diagnose", "--duration", "1h"], blockingStopSignals: true)
        Thread.sleep(forTimeInterval: 1)
        let sent = Date()
        child.send(stop)
        let ending = try #require(child.ending(within: 2), "diagnose was still running 2 s after the signal")
        #expect(Date().timeIntervalSince(sent) < 2)
        #expect(ending.exited, "diagnose died of a signal instead of exiting")
        #expect(ending.status == 3)
        let name = stop == SIGINT ? "SIGINT" : "SIGTERM"
        #expect(ending.stderr.contains("cmtune: sampling stopped by \(name) after "), "\(ending.stderr)")
        #expect(ending.stderr.hasSuffix(" s of 3600 s: nothing judged (UNKNOWN)\n"), "\(ending.stderr)")
        #expect(ending.stdout.isEmpty)
    }
}
