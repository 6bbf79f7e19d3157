import CMTuneTestSupport
import Foundation
import HostKit
import NIOCore
import NIOHTTP1
import NIOPosix
import SystemPackage
import Testing
import Verify

/// The metrics scrape over SwiftNIO against a tiny NIO HTTP server: both body framings, the
/// errors a scrape meets, and a server inside a network namespace.
@Suite("HTTP GET on SwiftNIO", .timeLimit(.minutes(1)))
struct HTTPGetTests {
    static let text = "# TYPE cm_connections gauge\ncm_connections{loop=\"0\"} 151\ncm_connections{loop=\"1\"} 149\n"

    func withServer<T>(_ answer: MetricsServer.Answer, _ body: (MetricsServer, HTTPGet) throws -> T) throws -> T {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let server = try MetricsServer(group: group, answer: answer)
        defer { server.close() }
        return try body(server, HTTPGet(group: group, timeout: .milliseconds(500)))
    }

    @Test("a Content-Length body")
    func sized() throws {
        try withServer(.sized(Self.text)) { (server: MetricsServer, client: HTTPGet) throws in
            #expect(try client.body(of: server.url) == Self.text)
            #expect(LoopConnectionCounts.parse(try client.body(of: server.url)) == [0: 151, 1: 149])
        }
    }

    @Test("a chunked body, whole")
    func chunked() throws {
        let parts = ["# TYPE cm_connections gauge\n", "cm_connections{loop=\"0\"} 1", "51\n", String(repeating: "#\n", count: 5000)]
        try withServer(.chunked(parts)) { (server: MetricsServer, client: HTTPGet) throws in
            #expect(try client.body(of: server.url) == parts.joined())
        }
    }

    @Test("another status than 200 is an error with the status")
    func notFound() throws {
        _ = try withServer(.status(.notFound)) { (server: MetricsServer, client: HTTPGet) throws in
            #expect(throws: HTTPGetError.status(404, reason: "Not Found")) { try client.body(of: server.url) }
        }
    }

    @Test("a server that never answers times out")
    func silence() throws {
        try withServer(.silence) { (server: MetricsServer, client: HTTPGet) throws in
            let started = ContinuousClock.now
            #expect(throws: HTTPGetError.timedOut(address: "127.0.0.1:\(server.port)", seconds: 0.5)) { try client.body(of: server.url) }
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test("a refused connection carries ECONNREFUSED")
    func refused() throws {
        let refusedGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? refusedGroup.syncShutdownGracefully() }
        // The port the kernel gave a listener that is closed again: nobody listens there now.
        let closed = try MetricsServer(group: refusedGroup, answer: .silence)
        let closedURL = closed.url
        closed.close()
        let failure = #expect(throws: HTTPGetError.self) { try HTTPGet(group: refusedGroup).body(of: closedURL) }
        guard case .connectFailed(_, let errno, _) = failure else {
            Issue.record("\(String(describing: failure))")
            return
        }
        #expect(errno == .connectionRefused)
    }

    @Test(
        "what is not http://IP:PORT/PATH is refused before connecting",
        arguments: ["https://1.2.3.4:1/", "http://localhost:9/x", "http://1.2.3.4/", "http://1.2.3.4:0/"])
    func invalid(url: String) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        #expect(throws: HTTPGetError.invalidURL(url)) { try HTTPGet(group: group).body(of: url) }
    }

    @Test("a server inside a network namespace is reached by making the socket there", .needsRoot)
    func insideNamespace() throws {
        let bed = VethTestbed(
            first: .init(namespace: "cmthttp-\(getpid())", device: "h0", address: "10.216.0.1"),
            second: .init(namespace: "cmthttp-\(getpid())", device: "h1", address: "10.216.0.2"))
        try bed.with { bed in
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            defer { try? group.syncShutdownGracefully() }
            let server = try MetricsServer(
                group: group, answer: .sized(Self.text), address: try SocketAddress(ipAddress: "10.216.0.1", port: 0)
            ) { bind in
                try! NetworkNamespaceEntry.run(inNamed: bed.first.namespace) { () -> EventLoopFuture<any Channel> in bind() }.get()
            }
            defer { server.close() }
            let url = "http://10.216.0.1:\(server.port)/metrics"
            #expect(try HTTPGet(group: group).body(of: url, namespace: bed.first.namespace) == Self.text)
            #expect(throws: HTTPGetError.self) { try HTTPGet(group: group).body(of: url, namespace: "cmthttp-none-\(getpid())") }
        }
    }
}
