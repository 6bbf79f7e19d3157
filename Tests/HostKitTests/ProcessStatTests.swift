import CMTuneTestSupport
import Foundation
import HostKit
import Testing

@Suite("/proc/PID/stat lines")
struct ProcessStatTests {
    /// A stat line as Linux 6.x writes it: `cat` (pid 30497) with utime 1500, stime 250, on CPU 1.
    static let cat =
        "30497 (cat) R 30492 30492 26094 0 -1 4194304 98 0 0 0 1500 250 0 0 20 0 1 0 1039581 3133440 414 18446744073709551615 94459575533568 94459575553449 140724637390032 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 94459575569456 94459575571072 94459676196864 140724637395453 140724637395473 140724637395473 140724637396971 0\n"

    /// The same fields behind a command name that may hold anything but a NUL.
    static func line(pid: Int, command: String) -> String {
        "\(pid) (\(command)) S 1 1 1 0 -1 4194304 98 0 0 0 42 7 0 0 20 0 4 0 1039581 3133440 414 18446744073709551615 1 1 1 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0 1 1 1 1 1 1 1 0"
    }

    @Test("the fields of a real line: pid, command, state, user and system ticks, last CPU")
    func realLine() throws {
        let stat = try #require(ProcessStat(parsing: Self.cat))
        #expect(stat == ProcessStat(id: 30497, command: "cat", state: "R", userTicks: 1500, systemTicks: 250, processor: 1))
        #expect(stat.ticks == 1750)
    }

    @Test(
        "a command with spaces and parentheses is taken whole; fields are counted after the last parenthesis",
        arguments: ["NIO-ELT-0-#1", "a b", "(sd-pam)", "x) S 9 9", "kworker/0:1-events", ") (", ""])
    func awkwardCommands(command: String) throws {
        let stat = try #require(ProcessStat(parsing: Self.line(pid: 77, command: command)))
        #expect(stat.command == command)
        #expect(stat.id == 77 && stat.state == "S" && stat.userTicks == 42 && stat.systemTicks == 7 && stat.processor == 3)
    }

    @Test("a line cut short, without parentheses or with words for numbers is no stat line")
    func notStatLines() {
        #expect(ProcessStat(parsing: "garbage") == nil)
        #expect(ProcessStat(parsing: "") == nil)
        #expect(ProcessStat(parsing: "12 (x) S 1 2 3") == nil)
        #expect(ProcessStat(parsing: "12 x S 1 1 1 0 -1 4194304 98 0 0 0 42 7 0") == nil)
        #expect(ProcessStat(parsing: Self.line(pid: 5, command: "x").replacingFirst("42", with: "forty-two")) == nil)
        #expect(ProcessStat(parsing: "pid (x) S 1 1 1 0 -1 4194304 98 0 0 0 42 7 0") == nil)
    }

    @Test("an old kernel's line without the processor field still gives the times")
    func withoutProcessor() throws {
        let short = Self.line(pid: 9, command: "old").split(separator: " ").prefix(20).joined(separator: " ")
        let stat = try #require(ProcessStat(parsing: short))
        #expect(stat.ticks == 49 && stat.processor == nil)
    }

    @Test("read under a root: the process's file and one thread's")
    func readUnderRoot() throws {
        let tree = FixtureTree()
        tree.write("proc/30497/stat", Self.cat)
        tree.write("proc/30497/task/30498/stat", Self.line(pid: 30498, command: "worker (1)"))
        #expect(try ProcessStat.read(pid: 30497, from: tree.root)?.ticks == 1750)
        #expect(try ProcessStat.read(pid: 30497, thread: 30498, from: tree.root)?.command == "worker (1)")
        #expect(throws: HostError.self) { try ProcessStat.read(pid: 1, from: tree.root) }
    }

    @Test("this process's own line parses")
    func ownLine() throws {
        let stat = try #require(try ProcessStat.read(pid: getpid(), from: HostRoot("/")))
        #expect(stat.id == Int(getpid()))
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
