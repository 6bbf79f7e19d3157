import CM
import CMTuneTestSupport
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Testing
import Wire

/// `cm serve --tls-cert/--tls-key`: CMP inside TLS over TCP and WebSocket, with a certificate
/// made by openssl for the test.
@Suite("cmtune cm serve over TLS", .serialized, .timeLimit(.minutes(2)))
struct CMServeTLSTests {
    static let available = CMTuneBinary.exists && (try? runCommand(["openssl", "version"]))?.status == 0

    /// A self-signed P-256 certificate for 127.0.0.1, valid for a day.
    static func makeCertificate(in directory: TemporaryDirectory) throws -> (certificate: String, key: String) {
        let certificate = directory.path + "/cert.pem"
        let key = directory.path + "/key.pem"
        _ = try runChecked([
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=cmtune-test",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ])
        return (certificate, key)
    }

    @Test(
        "tls:// and wss:// clients log in and exchange messages; a plain client gets no CMP",
        .enabled(if: available, "needs the cmtune binary and openssl"))
    func tlsDelivery() async throws {
        let directory = try TemporaryDirectory()
        let (certificate, key) = try Self.makeCertificate(in: directory)
        let cm = try CMServeProcess(
            [
                "--listen", "tls://127.0.0.1:0", "--listen", "wss://127.0.0.1:0/cm", "--tls-cert", certificate, "--tls-key", key,
                "--loops", "2", "--pin", "off", "--log-level", "warning", "--login-timeout", "120s",
            ],
            listenerCount: 2)
        let tcp = try #require(cm.listeners.first { $0.transport == .tcp })
        let ws = try #require(cm.listeners.first { $0.transport == .webSocket })
        #expect(tcp.requiresTLS && ws.requiresTLS, "the CM announces TLS listeners as tls:// and wss://: \(cm.listeners)")

        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(certificate)
        let group = CMServeTests.group
        let alice = try await CMPClient.connect(to: tcp, on: group, tls: tls)
        #expect(try await alice.login(user: "alice", device: "phone", token: try cm.token("alice")).result == .success)
        let bob = try await CMPClient.connect(to: ws, on: group, tls: tls)
        #expect(try await bob.login(user: "bob", device: "laptop", token: try cm.token("bob")).result == .success)

        try await alice.send(.send(CMPSend(messageID: 7, recipient: "bob", toRoom: false, payload: ByteBuffer(string: "over TLS"))))
        let delivered = try await bob.next()
        #expect(delivered?.message.deliverPayload == "over TLS")
        let ack = try await alice.next()
        if case .sendAck(let sendAck) = ack?.message {
            #expect(sendAck.messageID == 7 && sendAck.result == .success)
        } else {
            Issue.record("expected SEND_ACK, got \(String(describing: ack?.message.type))")
        }

        // A client that does not trust the certificate is refused by its own TLS check.
        let untrusting = try? await CMPClient.connect(to: tcp, on: group)
        let refused = try? await untrusting?.login(user: "mallory", device: "x", token: "v1.0.*.AAAA")
        #expect(refused == nil)

        // Plain CMP to a TLS port is not a TLS ClientHello: the CM closes it without answering.
        let plain = try RawSocket(host: tcp.host, port: tcp.port)
        var login = ByteBuffer()
        try CMPEncoder.encode(.login(CMPLogin(keepAlive: 0, user: "plain", device: "d", token: try cm.token("plain"))), into: &login)
        try plain.write(Array(buffer: login))
        var reply = ByteBuffer(bytes: try plain.readAll(timeout: 5))
        var decoder = CMPDecoder()
        #expect((try? decoder.decode(buffer: &reply)) == nil, "no CMP answer to a plain client on a TLS port")
        plain.close()

        await alice.close()
        await bob.close()
        #expect(cm.stop().status == 0)
    }

    @Test("an unreadable certificate is a one-line error naming the file", .enabled(if: available, "needs the cmtune binary"))
    func badCertificate() throws {
        let directory = try TemporaryDirectory()
        try directory.write("KEY", "secret\n")
        try directory.write("cert.pem", "not a certificate\n")
        let result = try CMTuneBinary.run([
            "cm", "serve", "--secret-file", directory.path + "/KEY", "--listen", "tls://127.0.0.1:0",
            "--tls-cert", directory.path + "/cert.pem", "--tls-key", directory.path + "/cert.pem",
        ])
        #expect(result.status != 0)
        #expect(result.error.contains("cert.pem") && result.error.split(separator: "\n").count == 1, "\(result.error)")
    }
}
