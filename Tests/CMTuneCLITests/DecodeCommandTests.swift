import CMTuneTestSupport
import Foundation
import Testing

@Suite("cmtune capture and decode", .serialized, .timeLimit(.minutes(5)))
struct DecodeCommandTests {
    struct Sent: Hashable {
        var topic: String
        var qos: Int
        var length: Int
        var retain: Bool
    }

    /// JSON lines from `cmtune decode --json`.
    static func lines(_ output: String) throws -> [[String: Any]] {
        try output.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test("real mosquitto traffic over a lossy link: every PUBLISH the clients sent is decoded with its topic, QoS and length", .needsRoot)
    func mosquittoOverLossyLink() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let bed = try MosquittoBed(lossPercent: 5)
        defer { bed.close() }
        let capturePath = bed.path("capture.pcap")
        let capture = Process()
        capture.executableURL = URL(fileURLWithPath: CMTuneBinary.path)
        capture.arguments = ["capture", "--netns", bed.broker, "-i", bed.brokerInterface, "-f", "tcp port 1883", "-w", capturePath]
        let captureErrors = Pipe()
        capture.standardOutput = FileHandle.nullDevice
        capture.standardError = captureErrors
        try capture.run()
        let captureStartup = try LoopbackCapture.waitForLine(
            containing: "listening on", in: captureErrors.fileHandleForReading, process: capture, limit: .seconds(20))

        let big = bed.path("big.bin")
        let bigPayload = Data((0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        try bigPayload.write(to: URL(fileURLWithPath: big))
        // A subscriber with a will, in MQTT 5, receiving everything.
        let subscriber = Process()
        subscriber.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        subscriber.arguments = [
            "ip", "netns", "exec", bed.client, "mosquitto_sub", "-h", bed.brokerAddress, "-V", "mqttv5", "-i", "cmt-sub", "-t", "cm/#", "-q", "2",
            "--will-topic", "cm/will", "--will-payload", "gone", "--will-qos", "1", "-C", "1000", "-W", "30",
        ]
        subscriber.standardOutput = FileHandle.nullDevice
        subscriber.standardError = FileHandle.nullDevice
        try subscriber.run()
        Thread.sleep(forTimeInterval: 0.5)

        var sent: [Sent] = []
        for version in ["mqttv311", "mqttv5"] {
            for qos in 0...2 {
                for retain in [false, true] {
                    let topic = "cm/\(version)/q\(qos)\(retain ? "/retained" : "")"
                    let message = "hello \(version) qos \(qos)"
                    var arguments = ["mosquitto_pub", "-h", bed.brokerAddress, "-V", version, "-t", topic, "-q", String(qos), "-m", message]
                    if retain { arguments.append("-r") }
                    let result = try bed.runClient(arguments)
                    #expect(result.status == 0, "\(arguments): \(result.error)")
                    sent.append(Sent(topic: topic, qos: qos, length: message.utf8.count, retain: retain))
                }
            }
            let result = try bed.runClient(["mosquitto_pub", "-h", bed.brokerAddress, "-V", version, "-t", "cm/\(version)/big", "-q", "1", "-f", big])
            #expect(result.status == 0, "\(result.error)")
            sent.append(Sent(topic: "cm/\(version)/big", qos: 1, length: 20_000, retain: false))
        }
        Thread.sleep(forTimeInterval: 1)
        kill(subscriber.processIdentifier, SIGKILL)
        subscriber.waitUntilExit()
        kill(capture.processIdentifier, SIGINT)
        capture.waitUntilExit()
        let stderr = captureStartup + String(decoding: captureErrors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(capture.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("packets captured"))
        #expect(stderr.contains("dropped by the kernel"))

        // tshark reads what capture wrote.
        let tshark = try runCommand(["tshark", "-r", capturePath])
        #expect(tshark.status == 0, "\(tshark.error)")

        let decoded = try CMTuneBinary.run(["decode", capturePath, "--json"])
        #expect(decoded.status == 0, "\(decoded.error)")
        let events = try Self.lines(decoded.output)
        let publishes = events.filter { $0["type"] as? String == "PUBLISH" && $0["direction"] as? String == "client-to-server" }
        var seen: [Sent] = []
        for event in publishes {
            let fields = try #require(event["fields"] as? [String: Any])
            seen.append(
                Sent(
                    topic: fields["topic"] as? String ?? "?", qos: fields["qos"] as? Int ?? -1, length: fields["payloadLength"] as? Int ?? -1,
                    retain: fields["retain"] as? Bool ?? false))
        }
        // Each sent PUBLISH is there (a QoS 1/2 retransmission may add a DUP copy).
        for message in sent {
            #expect(seen.contains(message), "missing \(message); decoded: \(seen)")
        }
        let versions = Set(events.filter { $0["type"] as? String == "CONNECT" }.compactMap { $0["version"] as? String })
        #expect(versions == ["3.1.1", "5.0"])
        let will = events.first { ($0["fields"] as? [String: Any])?["clientId"] as? String == "cmt-sub" }
        #expect(((will?["fields"] as? [String: Any])?["will"] as? [String: Any])?["topic"] as? String == "cm/will")
        #expect(events.contains { $0["type"] as? String == "PUBCOMP" && $0["latencyMs"] is Double })

        // Filtered to the MQTT 5 publishers' topics: their PUBLISHes (both ways) and QoS answers only.
        let filtered = try Self.lines(
            CMTuneBinary.run(["decode", capturePath, "--json", "--topic", "cm/mqttv5/#", "--type", "PUBLISH,PUBACK,PUBREC,PUBREL,PUBCOMP"]).output)
        let filteredTopics = Set(filtered.compactMap { ($0["fields"] as? [String: Any])?["topic"] as? String })
        #expect(filteredTopics == Set(sent.map(\.topic).filter { $0.hasPrefix("cm/mqttv5/") }))
        #expect(Set(filtered.compactMap { $0["type"] as? String }) == ["PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP"])

        let stats = try CMTuneBinary.run(["decode", capturePath, "--stats", "--json"])
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(stats.output.utf8)) as? [String: Any])
        #expect((summary["mqttConnections"] as? Int ?? 0) >= 15)
        #expect((summary["flows"] as? [[String: Any]] ?? []).contains { $0["kind"] as? String == "PUBLISH QoS 2" })
    }

    @Test("'-' reads the capture from standard input as tcpdump -r - does; a missing file is a one-line error")
    func standardInput() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let source = Fixtures.captures + "/zeek/mqtt.pcap"
        let fromFile = try CMTuneBinary.run(["decode", source, "--json"])
        let piped = try runCommand(["bash", "-c", #""$0" decode - --json < "$1""#, CMTuneBinary.path, source])
        #expect(fromFile.status == 0 && piped.status == 0, "\(piped.error)")
        #expect(!fromFile.output.isEmpty && piped.output == fromFile.output)
        let missing = try CMTuneBinary.run(["decode", "/nonexistent/x.pcap"])
        #expect(missing.status == 1)
        #expect(missing.error.contains("cannot read /nonexistent/x.pcap: No such file or directory"), "\(missing.error)")
    }

    /// An MQTT client over WebSocket (paho, Debian's python3-paho-mqtt): a v5 subscriber on
    /// `ws/#` and a 3.1.1 publisher sending at QoS 0, 1 and 2, then both disconnect.
    static let webSocketClients = #"""
        import sys, time
        import paho.mqtt.client as mqtt
        port = int(sys.argv[1])
        got = []
        sub = mqtt.Client(client_id="ws-sub", transport="websockets", protocol=mqtt.MQTTv5)
        sub.on_message = lambda c, u, m: got.append(m.topic)
        sub.connect("127.0.0.1", port)
        sub.loop_start()
        sub.subscribe("ws/#", qos=2)
        time.sleep(0.5)
        pub = mqtt.Client(client_id="ws-pub", transport="websockets", protocol=mqtt.MQTTv311)
        pub.connect("127.0.0.1", port)
        pub.loop_start()
        for qos in (0, 1, 2):
            pub.publish("ws/q%d" % qos, "x" * (100 + qos), qos=qos).wait_for_publish()
        pub.publish("ws/big", bytes(range(256)) * 80, qos=1).wait_for_publish()
        deadline = time.time() + 10
        while len(got) < 4 and time.time() < deadline: time.sleep(0.05)
        pub.disconnect(); sub.disconnect()
        time.sleep(0.3)
        pub.loop_stop(); sub.loop_stop()
        print(len(got))
        """#

    @Test("real MQTT over WebSocket (mosquitto's websockets listener, paho clients), captured live: every PUBLISH decoded from inside the frames", .needsRoot)
    func mqttOverWebSocket() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        try #require(FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/paho/mqtt/client.py"), "needs python3-paho-mqtt (make deps)")
        let directory = try TemporaryDirectory()
        let probes = try [RawListener(), RawListener()]
        let (plainPort, port) = (probes[0].port, probes[1].port)
        for probe in probes { probe.close() }
        // mosquitto 2.0.11 starts no websockets listener without a plain one beside it
        // ("Unable to start any listening sockets"); the clients use loopback only.
        let broker = try LoopbackBroker(
            configuration: "listener \(plainPort) 127.0.0.1\nlistener \(port) 127.0.0.1\nprotocol websockets\nallow_anonymous true\n",
            in: directory)
        let pcap = directory.path + "/mqtt-ws.pcap"
        let capture = try LoopbackCapture(port: port, path: pcap)
        let clients = try runCommand(["/usr/bin/python3", "-c", Self.webSocketClients, String(port)])
        capture.stop()
        #expect(clients.status == 0 && clients.output.hasPrefix("4"), "\(clients.output) \(clients.error)")

        let lines = try Self.lines(CMTuneBinary.run(["decode", pcap, "--json"]).output)
        #expect(!lines.isEmpty && lines.allSatisfy { $0["transport"] as? String == "websocket" && $0["proto"] as? String == "mqtt" })
        let published = lines.filter { $0["type"] as? String == "PUBLISH" && $0["client"] as? String == "ws-pub" }
        let sent = published.compactMap { line -> Sent? in
            guard let fields = line["fields"] as? [String: Any] else { return nil }
            return Sent(
                topic: fields["topic"] as? String ?? "?", qos: fields["qos"] as? Int ?? -1, length: fields["payloadLength"] as? Int ?? -1, retain: false)
        }
        #expect(
            Set(sent) == [
                Sent(topic: "ws/q0", qos: 0, length: 100, retain: false), Sent(topic: "ws/q1", qos: 1, length: 101, retain: false),
                Sent(topic: "ws/q2", qos: 2, length: 102, retain: false), Sent(topic: "ws/big", qos: 1, length: 20_480, retain: false),
            ])
        #expect(Set(lines.filter { $0["type"] as? String == "CONNECT" }.compactMap { $0["version"] as? String }) == ["3.1.1", "5.0"])
        #expect(lines.contains { $0["type"] as? String == "PUBCOMP" && $0["latencyMs"] is Double })
        #expect(lines.filter { $0["type"] as? String == "PUBLISH" && $0["client"] as? String == "ws-sub" }.count == 4)
        #expect(!lines.contains { $0["type"] as? String == "DECODE_ERROR" })
        withExtendedLifetime(broker) {}
    }

    @Test("--client, --topic and --type keep one conversation of a capture; text times still count from its first packet; a bad filter is a usage error")
    func filters() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let source = Fixtures.captures + "/zeek/mqtt.pcap"
        let all = try Self.lines(CMTuneBinary.run(["decode", source, "--json"]).output)
        let publisher = try Self.lines(CMTuneBinary.run(["decode", source, "--json", "--client", "paho/DDE*"]).output)
        #expect(!publisher.isEmpty && publisher.count < all.count)
        #expect(publisher.allSatisfy { $0["client"] as? String == "paho/DDE4DDAF4108D3E363" })
        #expect(publisher.first?["type"] as? String == "CONNECT")

        let publishes = try Self.lines(CMTuneBinary.run(["decode", source, "--json", "--topic", "other/#", "--topic", "+", "--type", "publish"]).output)
        #expect(publishes.count == all.count { $0["type"] as? String == "PUBLISH" } && !publishes.isEmpty)
        #expect(publishes.allSatisfy { ($0["fields"] as? [String: Any])?["topic"] as? String == "SampleTopic" })

        let text = try CMTuneBinary.run(["decode", source, "--type", "PUBLISH"])
        let firstTime = try #require(text.output.split(separator: " ", omittingEmptySubsequences: true).first.flatMap { Double($0) })
        #expect(firstTime > 0.5, "\(text.output)")

        let badType = try CMTuneBinary.run(["decode", source, "--type", "PUBLISH,FOO"])
        #expect(badType.status == 2 && badType.error.contains("--type FOO: not a message type"), "\(badType.error)")
        let badTopic = try CMTuneBinary.run(["decode", source, "--topic", "a/#/b"])
        #expect(badTopic.status == 2 && badTopic.error.contains("# must be its last level"), "\(badTopic.error)")
    }

    /// A copy of `source` without its last 30 bytes: the last packet record is cut short.
    static func cutCapture(_ source: String, in directory: TemporaryDirectory) throws -> String {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
        let cut = directory.path + "/cut.pcap"
        try bytes.prefix(bytes.count - 30).write(to: URL(fileURLWithPath: cut))
        return cut
    }

    @Test("--threads N writes what one thread writes (JSON, text, several files as one capture, filters, a cut file); a bad count is a usage error")
    func threads() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let directory = try TemporaryDirectory()
        let zeek = Fixtures.captures + "/zeek/mqtt.pcap"
        let cut = try Self.cutCapture(zeek, in: directory)
        let files = [zeek, Fixtures.captures + "/websocket/cmp-ws.pcap", Fixtures.captures + "/websocket/mqtt-ws.pcap", cut]
        for extra in [
            ["--json"], [], ["--json", "--type", "PUBLISH,SEND,DELIVER,SUBACK", "--client", "load*", "--client", "ws-*"], ["--stats"], ["--stats", "--json"],
        ] {
            let one = try CMTuneBinary.run(["decode"] + files + extra + ["--threads", "1"])
            #expect(one.status == 1 && one.error.contains("cut.pcap"), "\(one.error)")
            let expectedLines = extra.contains("--stats") ? (extra.count > 1 ? 1 : 8) : extra.count > 1 ? 10 : 100
            #expect(one.output.split(separator: "\n").count >= expectedLines, "\(extra): too little output to compare")
            for threads in ["2", "3", "16"] {
                let many = try CMTuneBinary.run(["decode"] + files + extra + ["--threads", threads])
                #expect(many.status == one.status && many.error == one.error)
                #expect(many.output == one.output, "\(extra) --threads \(threads) differs from one thread")
            }
        }
        for bad in ["0", "17", "two"] {
            let result = try CMTuneBinary.run(["decode", zeek, "--threads", bad])
            #expect(result.status == 2 && result.error.contains("--threads"), "\(bad): \(result.error)")
        }
    }

    @Test("a corrupt or cut pcap: a clear message naming the file, the readable part decoded, exit status 1")
    func corruptFiles() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let directory = try TemporaryDirectory()
        let source = Fixtures.captures + "/zeek/mqtt.pcap"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
        let cut = try Self.cutCapture(source, in: directory)
        let result = try CMTuneBinary.run(["decode", cut])
        #expect(result.status == 1)
        #expect(result.error.contains("cut.pcap"))
        #expect(result.output.contains("CONNECT"))
        #expect(result.output.contains("PINGRESP"))

        let garbage = directory.path + "/garbage.pcap"
        try Data("this is not a capture file at all".utf8).write(to: URL(fileURLWithPath: garbage))
        let bad = try CMTuneBinary.run(["decode", garbage, source])
        #expect(bad.status == 1)
        #expect(bad.error.contains("garbage.pcap"))
        #expect(bad.output.contains("SampleTopic"))

        var absurd = bytes
        // The first record's captured length: 0x7fffffff.
        absurd.replaceSubrange(24 + 8..<24 + 12, with: [0xff, 0xff, 0xff, 0x7f])
        let absurdPath = directory.path + "/absurd.pcap"
        try absurd.write(to: URL(fileURLWithPath: absurdPath))
        let absurdResult = try CMTuneBinary.run(["decode", absurdPath, "--stats"])
        #expect(absurdResult.status == 1)
        #expect(absurdResult.error.contains("absurd.pcap"))
    }

    /// An MQTT client and server on loopback: one CONNECT, one CONNACK. The server binds port 0
    /// and prints the port the kernel gave it; the client connects once a line arrives on stdin.
    static let connectOverLoopback = """
        import socket, sys, threading
        server = socket.socket()
        server.bind(("127.0.0.1", 0)); server.listen(1)
        port = server.getsockname()[1]
        print(port, flush=True)
        sys.stdin.readline()
        def serve():
            peer, _ = server.accept(); peer.recv(100); peer.sendall(bytes([0x20, 2, 0, 0])); peer.recv(100); peer.close()
        thread = threading.Thread(target=serve); thread.start()
        client = socket.create_connection(("127.0.0.1", port))
        body = b"\\x00\\x04MQTT\\x04\\x02\\x00\\x3c\\x00\\x0alive-lines"
        client.sendall(bytes([0x10, len(body)]) + body); client.recv(10); client.close(); thread.join()
        """

    @Test(
        "a live capture shows each message's line while it runs, not when it ends, on one thread or several", .needsRoot,
        arguments: ["1", "3"])
    func liveLines(threads: String) throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        // The peers first: their server's port, bound by the kernel, is the one to capture.
        let peers = Process()
        peers.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        peers.arguments = ["-c", Self.connectOverLoopback]
        let (peersIn, peersOut) = (Pipe(), Pipe())
        peers.standardInput = peersIn
        peers.standardOutput = peersOut
        peers.standardError = FileHandle.nullDevice
        try peers.run()
        defer {
            if peers.isRunning { kill(peers.processIdentifier, SIGKILL) }
            peers.waitUntilExit()
        }
        let portLine = try LoopbackCapture.waitForLine(containing: "\n", in: peersOut.fileHandleForReading, process: peers, limit: .seconds(20))
        let port = try #require(Int(portLine.trimmingCharacters(in: .whitespacesAndNewlines)))

        let capture = Process()
        capture.executableURL = URL(fileURLWithPath: CMTuneBinary.path)
        capture.arguments = ["capture", "-i", "lo", "-f", "tcp port \(port)", "--port", "\(port)=mqtt", "--threads", threads]
        let (lines, errors) = (Pipe(), Pipe())
        capture.standardOutput = lines
        capture.standardError = errors
        try capture.run()
        defer {
            kill(capture.processIdentifier, SIGINT)
            capture.waitUntilExit()
        }
        _ = try LoopbackCapture.waitForLine(containing: "listening on", in: errors.fileHandleForReading, process: capture, limit: .seconds(20))
        peersIn.fileHandleForWriting.write(Data("go\n".utf8))
        // The capture keeps running: its lines must come while it does (a watchdog ends it
        // after the limit, and the read then ends without them).
        let shown = (try? LoopbackCapture.waitForLine(containing: "CONNACK", in: lines.fileHandleForReading, process: capture, limit: .seconds(20))) ?? ""
        #expect(capture.isRunning)
        #expect(shown.contains("CONNECT     clientId=live-lines") && shown.contains("CONNACK"), "\(shown)")
    }

    @Test("a bad BPF filter or interface is a clear error, exit status 2", .needsRoot)
    func badFilter() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let result = try CMTuneBinary.run(["capture", "-i", "lo", "-f", "tcp port nope", "-c", "1"])
        #expect(result.status == 2)
        #expect(result.error.contains("bad capture filter \"tcp port nope\""))
        let missing = try CMTuneBinary.run(["capture", "-i", "cmtune-no-such-if", "-c", "1"])
        #expect(missing.status == 2)
        #expect(missing.error.contains("no interface named cmtune-no-such-if"))
    }
}
