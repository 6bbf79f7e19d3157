import CMTuneTestSupport
import Foundation
import Testing

@Suite("cmtune capture -w: rotation, a file read while written, the status line", .timeLimit(.minutes(5)))
struct CaptureRotationTests {
    @Test("misused rotation options are usage errors, before any capture starts")
    func usageErrors() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let cases: [([String], String)] = [
            (["--rotate-size", "1MiB"], "need -w FILE"),
            (["-w", "-", "--rotate-every", "1m"], "cannot rotate"),
            (["-w", "x.pcap", "--keep-files", "3"], "--keep-files needs"),
            (["-w", "x.pcap", "--rotate-size", "1MiB", "--keep-files", "0"], "keep 1 or more"),
            (["-w", "x.pcap", "--rotate-size", "100"], "at least 1KiB"),
            (["-w", "x.pcap", "--rotate-every", "0s"], "longer than 0"),
            (["-w", "x.pcap", "--rotate-size", "lots"], "--rotate-size"),
        ]
        for (arguments, words) in cases {
            let result = try CMTuneBinary.run(["capture", "-i", "lo"] + arguments)
            #expect(result.status == 2 && result.error.contains(words), "\(arguments): \(result.error)")
        }
    }

    @Test(
        "real mosquitto traffic captured into rotated files: none passes the size, the series decodes as one capture, --keep-files leaves the newest; a -w file reads whole while its capture runs",
        .needsRoot)
    func rotatedLiveCapture() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let directory = try TemporaryDirectory()
        let probe = try RawListener()
        let port = probe.port
        probe.close()
        let broker = try LoopbackBroker(configuration: "listener \(port) 127.0.0.1\nallow_anonymous true\n", in: directory)
        let size = 4096
        let series = try LoopbackCapture(port: port, path: directory.path + "/all.pcap", options: ["--rotate-size", "4KiB"])
        let ring = try LoopbackCapture(port: port, path: directory.path + "/ring.pcap", options: ["--rotate-size", "4KiB", "--keep-files", "2"])
        let live = try LoopbackCapture(port: port, path: directory.path + "/live.pcap")
        let messages = 24
        for index in 0..<messages {
            let payload = String(repeating: Character(UnicodeScalar(UInt8(97 + index % 26))), count: 400 + index)
            let sent = try runCommand([
                "mosquitto_pub", "-h", "127.0.0.1", "-p", String(port), "-q", "1", "-V", index % 2 == 0 ? "mqttv5" : "mqttv311", "-t", "rot/\(index)", "-m",
                payload,
            ])
            #expect(sent.status == 0, "\(sent.error)")
        }
        // What -w wrote is on disk while the capture still runs (flushed when it goes quiet).
        Thread.sleep(forTimeInterval: 0.6)
        let whileRunning = try CMTuneBinary.run(["decode", directory.path + "/live.pcap", "--json", "--type", "PUBLISH"])
        #expect(whileRunning.status == 0, "\(whileRunning.error)")
        #expect(try DecodeCommandTests.lines(whileRunning.output).count == messages, "\(whileRunning.output.prefix(300))")
        live.stop()
        let seriesStop = series.stop()
        let ringStop = ring.stop()
        #expect(seriesStop.status == 0 && ringStop.status == 0, "\(seriesStop.error) \(ringStop.error)")

        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        let seriesFiles = names.filter { $0.hasPrefix("all.") && $0.hasSuffix(".pcap") }.sorted().map { directory.path + "/" + $0 }
        #expect(seriesFiles.count >= 4, "\(names)")
        #expect(seriesStop.error.contains("all.000001.pcap ... ") && seriesStop.error.contains("(\(seriesFiles.count) files)"), "\(seriesStop.error)")
        for file in seriesFiles {
            let bytes = try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int ?? -1
            #expect(bytes > 0 && bytes <= size, "\(file): \(bytes) bytes")
        }
        // The files read in name order are one capture: connections cut between files continue.
        let decoded = try CMTuneBinary.run(["decode"] + seriesFiles + ["--json"])
        #expect(decoded.status == 0, "\(decoded.error)")
        let lines = try DecodeCommandTests.lines(decoded.output)
        let publishes = lines.filter { $0["type"] as? String == "PUBLISH" }
        let topics = publishes.compactMap { ($0["fields"] as? [String: Any])?["topic"] as? String }
        #expect(Set(topics) == Set((0..<messages).map { "rot/\($0)" }), "\(topics)")
        #expect(publishes.allSatisfy { $0["versionAssumed"] as? Bool == false })
        #expect(!lines.contains { ["DECODE_ERROR", "GAP", "TRUNCATED"].contains($0["type"] as? String ?? "") })
        #expect(lines.count { $0["type"] as? String == "PUBACK" && $0["latencyMs"] is Double } == messages)

        // The ring kept the newest two files, numbered last, and said how many went.
        let ringFiles = names.filter { $0.hasPrefix("ring.") }.sorted()
        #expect(ringFiles.count == 2, "\(ringFiles)")
        let numbers = ringFiles.compactMap { Int($0.split(separator: ".")[1]) }
        #expect(numbers.count == 2 && numbers[1] == numbers[0] + 1 && numbers[0] > 1, "\(ringFiles)")
        #expect(ringStop.error.contains("(2 files; \(numbers[0] - 1) older deleted)"), "\(ringStop.error)")
        let kept = try CMTuneBinary.run(["decode", directory.path + "/" + ringFiles[0], directory.path + "/" + ringFiles[1], "--json"])
        #expect(kept.status == 0 && kept.output.contains("rot/\(messages - 1)"), "\(kept.error)")
        withExtendedLifetime(broker) {}
    }

    @Test("on a terminal, capture -w shows a status line of its counts and clears it at the end; piped, it stays quiet", .needsRoot)
    func statusLine() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let directory = try TemporaryDirectory()
        let file = directory.path + "/status.pcap"
        let command = "\(CMTuneBinary.path) capture -i lo -f 'tcp port 1' -w \(file) --duration 1.5s"
        // script(1) runs it on a pseudo-terminal, as a person at a shell would.
        let onTerminal = try runCommand(["script", "-qefc", command, "/dev/null"])
        #expect(onTerminal.status == 0, "\(onTerminal.error)")
        #expect(onTerminal.output.contains("\rlo: 0 packets, 0 dropped by the kernel; writing \(file)\u{1B}[K"), "\(onTerminal.output)")
        #expect(onTerminal.output.contains("\r\u{1B}[K0 packets captured"), "the status line is cleared before the summary: \(onTerminal.output)")
        let piped = try CMTuneBinary.run(["capture", "-i", "lo", "-f", "tcp port 1", "-w", file, "--duration", "0.6s"])
        // The "listening on" line as tcpdump prints it, then the summary, and no status line.
        #expect(
            piped.status == 0 && !piped.error.contains("\r") && piped.error.hasPrefix("listening on lo, link-type ")
                && piped.error.contains("\n0 packets captured"), "\(piped.error)")
    }
}
