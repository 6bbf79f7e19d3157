import CMTuneTestSupport
import Capture
import Foundation
import Testing

/// Live captures on a veth pair in a throw-away network namespace. Packets are sent from v0's
/// address to a neighbour that v1 answers for at the link layer only (a static ARP entry), so
/// every packet crosses the pair and v1 sees it arrive.
@Suite("live capture", .serialized)
struct PcapLiveCaptureTests {
    static let sender = "10.77.0.1"
    static let target = "10.77.0.2"

    /// Addresses v0 and points `target` at v1's MAC address.
    static func prepare(_ namespace: VethNamespace) throws {
        try namespace.execChecked(["ip", "addr", "add", "\(sender)/24", "dev", namespace.device])
        let mac = try namespace.execChecked(["cat", "/sys/class/net/\(namespace.peer)/address"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try namespace.execChecked(["ip", "neigh", "replace", target, "lladdr", mac, "dev", namespace.device, "nud", "permanent"])
    }

    /// Three UDP datagrams to port 9999, one to 7777, and a TCP connection attempt to 8080
    /// (its SYN goes unanswered; the attempt is killed after 0.3 s).
    static func sendTraffic(_ namespace: VethNamespace) throws {
        try namespace.execChecked([
            "bash", "-c", "for i in 1 2 3; do echo hello$i > /dev/udp/\(target)/9999; done; echo other > /dev/udp/\(target)/7777",
        ])
        // Not `timeout`: a test process may hand its children a blocked SIGALRM, and then
        // `timeout` never fires while connect(2) retries for two minutes. SIGKILL cannot be blocked.
        try namespace.execChecked([
            "bash", "-c", "(exec 3<>/dev/tcp/\(target)/8080) 2>/dev/null & pid=$!; sleep 0.3; kill -9 $pid; wait $pid; true",
        ])
    }

    /// Reads until `count` packets came or `limit` passed.
    static func collect(_ capture: PcapLiveCapture, count: Int, limit: Duration = .seconds(3)) throws -> [CapturedPacket] {
        var packets: [CapturedPacket] = []
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: limit)
        while packets.count < count, clock.now < deadline {
            if let packet = try capture.next(timeout: .milliseconds(100)) { packets.append(packet) }
        }
        return packets
    }

    enum Seen: Equatable {
        case udp(port: Int, payload: String)
        case tcp(port: UInt16, flags: TCPFlags)
        case other
    }

    /// What each captured frame is, read with the same parser the decoder uses (UDP by hand).
    static func classify(_ packets: [CapturedPacket]) -> [Seen] {
        var parser = PacketParser()
        return packets.map { packet in
            switch parser.parse(packet) {
            case .tcp(let segment):
                return .tcp(port: segment.dst.port, flags: segment.flags)
            case .skipped(.notTCP):
                guard case .success(let frame) = LinkLayer.parse(packet.data, linkType: packet.linkType), frame.network == .ipv4
                else { return .other }
                let udp = frame.networkOffset + Int(packet.data[frame.networkOffset] & 0x0f) * 4
                guard packet.data[frame.networkOffset + 9] == 17, packet.data.count >= udp + 8 else { return .other }
                let port = Int(packet.data[udp + 2]) << 8 | Int(packet.data[udp + 3])
                let text = String(decoding: packet.data[(udp + 8)...], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                return .udp(port: port, payload: text)
            default:
                return .other
            }
        }
    }

    @Test("capture on a veth with a BPF filter: only the matching UDP and TCP packets, with statistics", .needsRoot)
    func filteredCapture() throws {
        try VethNamespace.with(queues: 1) { namespace in
            try Self.prepare(namespace)
            var options = PcapLiveCapture.Options()
            options.networkNamespace = namespace.name
            options.filter = "udp port 9999 or tcp dst port 8080"
            let started = Date()
            let capture = try PcapLiveCapture(interface: namespace.peer, options: options)
            #expect(capture.linkType == LinkType.ethernet)
            #expect(capture.networkNamespace == namespace.name)
            try Self.sendTraffic(namespace)
            let packets = try Self.collect(capture, count: 4)
            let seen = Self.classify(packets)
            #expect(
                Array(seen.prefix(3)) == [
                    .udp(port: 9999, payload: "hello1"), .udp(port: 9999, payload: "hello2"), .udp(port: 9999, payload: "hello3"),
                ])
            #expect(seen.dropFirst(3).first == .tcp(port: 8080, flags: [.syn]))
            #expect(!seen.contains(.udp(port: 7777, payload: "other")))
            for packet in packets {
                let age = packet.timestamp.timeInterval - started.timeIntervalSince1970
                #expect(age > -1 && age < 30, "timestamp \(packet.timestamp)")
            }
            let statistics = try capture.statistics()
            #expect(statistics.received >= 4)
            #expect(statistics.droppedByKernel == 0)
        }
    }

    @Test("`any` gives Linux cooked frames, v1 by default and v2 on request", .needsRoot, arguments: [nil, LinkType.linuxSLL2])
    func anyInterface(requested: Int32?) throws {
        try VethNamespace.with(queues: 1) { namespace in
            try Self.prepare(namespace)
            var options = PcapLiveCapture.Options()
            options.networkNamespace = namespace.name
            options.filter = "udp dst port 9999"
            options.linkType = requested
            let capture = try PcapLiveCapture(interface: "any", options: options)
            #expect(capture.linkType == (requested ?? LinkType.linuxSLL))
            try Self.sendTraffic(namespace)
            // Each datagram is seen leaving v0 and arriving on v1.
            let packets = try Self.collect(capture, count: 6)
            let seen = Self.classify(packets)
            #expect(seen.filter { $0 == .udp(port: 9999, payload: "hello1") }.count == 2)
            #expect(packets.allSatisfy { $0.linkType == capture.linkType })
        }
    }

    @Test("next(timeout:) returns nil after the timeout, and breakLoop from another thread stops a blocked next()", .needsRoot)
    func timeoutAndBreak() throws {
        try VethNamespace.with(queues: 1) { namespace in
            var options = PcapLiveCapture.Options()
            options.networkNamespace = namespace.name
            options.filter = "udp port 1"
            let capture = try PcapLiveCapture(interface: namespace.peer, options: options)
            let clock = ContinuousClock()
            var packet: CapturedPacket?
            let waited = try clock.measure { packet = try capture.next(timeout: .milliseconds(300)) }
            #expect(packet == nil)
            #expect(waited >= .milliseconds(290) && waited < .seconds(2))
            #expect(!capture.isStopped)

            let breaker = capture.breaker
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: 0.3)
                breaker.breakLoop()
            }
            let blocked = try clock.measure { packet = try capture.next() }
            #expect(packet == nil)
            #expect(capture.isStopped)
            #expect(blocked >= .milliseconds(250) && blocked < .seconds(5))
            // Stopping is sticky.
            #expect(try capture.next(timeout: .seconds(1)) == nil)
        }
    }

    @Test("breakLoop stops a capture even while packets keep arriving", .needsRoot)
    func breakUnderTraffic() throws {
        try VethNamespace.with(queues: 1) { namespace in
            try Self.prepare(namespace)
            var options = PcapLiveCapture.Options()
            options.networkNamespace = namespace.name
            options.filter = "udp port 9999"
            let capture = try PcapLiveCapture(interface: namespace.peer, options: options)
            try namespace.execChecked([
                "bash", "-c", "for i in $(seq 200); do echo x > /dev/udp/\(Self.target)/9999; done",
            ])
            #expect(try capture.next(timeout: .seconds(2)) != nil)
            capture.breakLoop()
            // 199 more packets are waiting, but the stop comes first.
            #expect(try capture.next(timeout: .seconds(1)) == nil)
            #expect(capture.isStopped)
        }
    }

    @Test("an interface that disappears mid-capture is a typed error, not a hang", .needsRoot)
    func interfaceRemoved() throws {
        try VethNamespace.with(queues: 1) { namespace in
            var options = PcapLiveCapture.Options()
            options.networkNamespace = namespace.name
            let capture = try PcapLiveCapture(interface: namespace.peer, options: options)
            try runChecked(["ip", "-n", namespace.name, "link", "delete", namespace.device])
            let clock = ContinuousClock()
            let started = clock.now
            do throws(CaptureError) {
                while clock.now - started < .seconds(3) {
                    _ = try capture.next(timeout: .milliseconds(100))
                }
                Issue.record("no error within 3 s of the interface going away")
            } catch {
                #expect(error.kind == .noSuchDevice)
                #expect(error.libpcapMessage == "The interface disappeared")
                #expect(error.message.contains(namespace.peer))
            }
        }
    }

    @Test("a bad filter, a missing interface and a missing namespace are clear typed errors", .needsRoot)
    func errors() throws {
        try VethNamespace.with(queues: 1) { namespace in
            var options = PcapLiveCapture.Options()
            options.networkNamespace = namespace.name
            options.filter = "tcp port nonsense"
            do throws(CaptureError) {
                _ = try PcapLiveCapture(interface: namespace.peer, options: options)
                Issue.record("accepted a bad filter")
            } catch {
                #expect(error.kind == .badFilter)
                #expect(error.message.contains("tcp port nonsense"))
                #expect(error.libpcapMessage?.contains("nonsense") == true)
                #expect(error.interface == namespace.peer)
            }
            options.filter = nil
            do throws(CaptureError) {
                _ = try PcapLiveCapture(interface: "nosuchif0", options: options)
                Issue.record("opened a missing interface")
            } catch {
                #expect(error.kind == .noSuchDevice)
                #expect(error.message.contains("nosuchif0"))
            }
            options.networkNamespace = namespace.name + "-missing"
            do throws(CaptureError) {
                _ = try PcapLiveCapture(interface: namespace.peer, options: options)
                Issue.record("entered a missing namespace")
            } catch {
                #expect(error.kind == .noSuchDevice)
                #expect(error.message.contains("network namespace"))
            }
            // A filter can be replaced once capturing.
            options.networkNamespace = namespace.name
            let capture = try PcapLiveCapture(interface: namespace.peer, options: options)
            #expect(throws: CaptureError.self) { try capture.setFilter("ip and and") }
            try capture.setFilter("ip")
        }
        #expect(throws: CaptureError.self) { _ = try PcapLiveCapture(interface: "") }
    }
}
