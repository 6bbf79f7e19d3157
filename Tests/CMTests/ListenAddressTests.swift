import CM
import Testing

@Suite("ListenAddress")
struct ListenAddressTests {
    @Test("tcp, ws with a path, TLS schemes and bracketed IPv6 parse and print back")
    func parses() throws {
        let tcp = try ListenAddress(parsing: "tcp://0.0.0.0:7000")
        #expect(tcp == ListenAddress(transport: .tcp, host: "0.0.0.0", port: 7000))
        let ws = try ListenAddress(parsing: "ws://127.0.0.1:7001/cm")
        #expect(ws.transport == .webSocket && ws.path == "/cm" && ws.port == 7001)
        #expect(try ListenAddress(parsing: "wss://[::1]:443/cm").description == "wss://[::1]:443/cm")
        #expect(try ListenAddress(parsing: "tls://host:7002").requiresTLS)
        #expect(try ListenAddress(parsing: "ws://h:1").path == "/")
    }

    @Test(
        "bad listeners say which part is wrong",
        arguments: [
            ("0.0.0.0:7000", "expected SCHEME://"),
            ("udp://0.0.0.0:7000", "unknown scheme 'udp'"),
            ("tcp://0.0.0.0", "expected HOST:PORT"),
            ("tcp://:7000", "empty host"),
            ("tcp://h:70000", "port '70000'"),
            ("tcp://h:7000/cm", "a tcp listener has no path"),
            ("ws://[::1:7000/cm", "unclosed '['"),
        ])
    func refuses(text: String, reason: String) {
        do {
            _ = try ListenAddress(parsing: text)
            Issue.record("\(text) accepted")
        } catch {
            #expect(error.description.hasPrefix("--listen \(text): "))
            #expect(error.description.contains(reason), "\(error.description)")
        }
    }
}
