import Foundation
import HostKit
import Testing

@Suite("Running a tool", .timeLimit(.minutes(1)))
struct ToolCommandTests {
    @Test("a tool that overstays its deadline is killed and reported, at once")
    func deadline() {
        let started = Date()
        #expect(throws: TestbedError.timedOut(arguments: ["sleep", "30"], seconds: 0.5)) {
            try ToolCommand.outcome(["sleep", "30"], timeout: 0.5)
        }
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test("a tool that fills standard error before writing its output does not block")
    func bothPipes() throws {
        let outcome = try ToolCommand.outcome(["sh", "-c", "head -c 300000 /dev/zero >&2; printf done; exit 3"], timeout: 60)
        #expect(outcome.status == 3)
        #expect(outcome.output == "done")
        #expect(outcome.error.utf8.count == 300_000)
    }

    @Test("a tool that does not exist is a failed run of env, not a hang")
    func missing() throws {
        let outcome = try ToolCommand.outcome(["cmtune-no-such-tool"])
        #expect(outcome.status == 127)
        #expect(outcome.error.contains("cmtune-no-such-tool"))
    }
}
