import CMTuneTestSupport
import Foundation
import Load
import Testing

/// `cmtune cm load` against a real `cmtune cm serve` on loopback.
@Suite("cmtune cm load", .serialized, .timeLimit(.minutes(3)))
struct CMLoadTests {
    static let available = CMTuneBinary.exists

    func load(_ cm: CMServeProcess, _ arguments: [String]) throws -> (status: Int32, result: LoadResult?, error: String) {
        let run = try CMTuneBinary.run(["cm", "load", "--secret-file", cm.secretFile, "--json"] + arguments)
        let result = try? JSONDecoder().decode(LoadResult.self, from: Data(run.output.utf8))
        return (run.status, result, run.error)
    }

    @Test(
        "every connection logs in, every acked message is delivered, the histogram counts every delivery",
        arguments: [("tcp", "p2p"), ("ws", "fanout:5"), ("tcp", "mixed")])
    func delivery(transport: String, pattern: String) throws {
        try #require(Self.available, "needs the cmtune binary")
        let cm = try CMServeProcess(
            [
                "--listen", "tcp://127.0.0.1:0", "--listen", "ws://127.0.0.1:0/cm", "--loops", "2", "--pin", "off",
                "--log-level", "warning", "--login-timeout", "120s",
            ], listenerCount: 2)
        let address = try #require(cm.listeners.first { $0.transport == (transport == "ws" ? .webSocket : .tcp) })
        let (status, result, error) = try load(
            cm,
            [
                "--target", address.description, "--connections", "300", "--connect-rate", "3000/s", "--rate", "400/s",
                "--pattern", pattern, "--duration", "2s", "--drain", "20s", "--cm-pid", String(cm.process.processIdentifier),
            ])
        let run = try #require(result, "no JSON from cm load: \(error)")
        #expect(status == 0, "\(error)")
        #expect(run.connectionsOK == 300 && run.connectionsFailed == 0, "\(run.failures)")
        #expect(run.messages > 0 && run.sent >= run.messages)
        #expect(run.acks["success"] == run.sent, "every SEND answered success: \(run.acks)")
        #expect(run.delivered == run.ackedSuccess && run.lost == 0)
        #expect(run.latency?.count == run.delivered)
        if let latency = run.latency {
            #expect(latency.p50 <= latency.p90 && latency.p90 <= latency.p99 && latency.p99 <= latency.p999 && latency.p999 <= latency.max)
        }
        #expect((run.cmCPUSeconds ?? 0) > 0, "the CM's CPU time was read from /proc")
        #expect(cm.stop().status == 0)
    }

    @Test("a CM that is not there: every connection fails with the reason, exit status 1")
    func refused() throws {
        try #require(Self.available, "needs the cmtune binary")
        let directory = try TemporaryDirectory()
        try directory.write("KEY", "secret\n")
        // A port nobody listens on, held bound so that nobody can start listening on it.
        let refusing = try RefusingPort()
        let port = refusing.port
        defer { withExtendedLifetime(refusing) {} }
        let run = try CMTuneBinary.run([
            "cm", "load", "--secret-file", directory.path + "/KEY", "--target", "tcp://127.0.0.1:\(port)", "--connections", "5",
            "--duration", "1s",
        ])
        #expect(run.status == 1)
        #expect(run.output.contains("5 × connect: Connection refused"), "\(run.output)")
        #expect(run.output.contains("FAILED: no connection logged in"))
    }
}
