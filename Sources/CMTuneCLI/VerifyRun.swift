import Dispatch
import Foundation
import HostKit
import Load
import NIOPosix
import Verify

/// One `verify` run: set up (namespaces, CM), drive the load while sampling every second,
/// tear down, and judge.
struct VerifyRun {
    struct Options {
        var cmPID: Int32?
        var target: String?
        var secretFile: String?
        var connections: Int
        var rate: Double
        var pattern: String
        var duration: Double
        var threshold: Double
        var netns: Bool
        var queues: Int
        var rps: CPUSet?
        var quiet: Bool
    }

    struct RunError: Error, CustomStringConvertible {
        var description: String
    }

    let options: Options
    private let root = HostRoot("/")

    func run() throws -> VerifyReport {
        let started = Date()
        let online = (try? CPUSet(parsingList: (try? root.read("sys/devices/system/cpu/online")) ?? "")) ?? CPUSet([0])
        var testbed: VethTestbed?
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cmtune-verify-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let cleanup = Cleanup()
        defer {
            cleanup.run()
            try? FileManager.default.removeItem(at: scratch)
        }
        if let rps = options.rps, !rps.subtracting(online).isEmpty {
            throw RunError(description: "--rps \(rps.listString): CPU \(rps.subtracting(online).listString) is not online (online: \(online.listString))")
        }
        if options.netns {
            guard geteuid() == 0 else { throw RunError(description: "--netns needs root (it creates network namespaces)") }
            let bed = VethTestbed.verify(queues: options.queues, id: getpid())
            cleanup.add { bed.remove() }
            do {
                try bed.create()
                try bed.setReceiveSteering(options.rps ?? online, on: bed.cmEnd)
                try bed.setReceiveSteering(options.rps ?? online, on: bed.loadEnd)
            } catch {
                bed.remove()
                throw RunError(description: error.description)
            }
            testbed = bed
        }
        let signals = Self.interruptions { cleanup.run() }
        defer { signals.forEach { $0.cancel() } }

        // The CM.
        let cmPID: Int32
        let target: String
        let secretFile: String
        var metricsURL: String?
        if let pid = options.cmPID, let given = options.target, let secret = options.secretFile {
            (cmPID, target, secretFile) = (pid, given, secret)
        } else {
            secretFile = scratch.appendingPathComponent("KEY").path
            try Data((0..<32).map { _ in UInt8.random(in: 0...255) }.map { String(format: "%02x", $0) }.joined().utf8)
                .write(to: URL(fileURLWithPath: secretFile))
            let address = testbed?.cmEnd.address ?? "127.0.0.1"
            var arguments = [Self.executable, "cm", "serve", "--secret-file", secretFile, "--listen", "tcp://\(address):0",
                             "--metrics", "\(address):0", "--log-level", "error", "--send-rate", "0", "--max-write-buffer", "8MiB"]
            if let testbed { arguments = ["ip", "netns", "exec", testbed.cmEnd.namespace] + arguments }
            let (process, lines) = try VerifyChild.start(arguments, until: { $0.contains("metrics on ") })
            cleanup.add { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            guard let listening = lines.first(where: { $0.contains("listening on ") }) else { throw RunError(description: "the CM printed no listener") }
            target = String(listening.split(separator: " ").last ?? "")
            metricsURL = lines.first { $0.contains("metrics on ") }.map { String($0.split(separator: " ").last ?? "") }
            cmPID = process.processIdentifier
        }
        progress("CM pid \(cmPID) at \(target); \(options.connections) connections, \(Int(options.rate))/s for \(Int(options.duration)) s")

        // The load, sampled every second while it runs.
        var loadArguments = [Self.executable, "cm", "load", "--target", target, "--secret-file", secretFile, "--json",
                             "--connections", String(options.connections), "--rate", "\(options.rate)/s", "--pattern", options.pattern,
                             "--duration", "\(options.duration)s", "--cm-pid", String(cmPID), "--connect-rate", "5000/s",
                             "--user-prefix", "verify"]
        if let testbed { loadArguments = ["ip", "netns", "exec", testbed.loadEnd.namespace] + loadArguments }
        let loadStart = MonotonicClock.now()
        let loadChild = try ChildProcess.launch(loadArguments)
        let load = loadChild.process
        cleanup.add { if load.isRunning { kill(load.processIdentifier, SIGKILL) } }
        let outputReader = PipeCollector(loadChild.output)
        let errorReader = PipeCollector(loadChild.errors)
        let metricsGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? metricsGroup.syncShutdownGracefully() }
        let metrics = HTTPGet(group: metricsGroup)
        var samples: [VerifySample] = []
        var loopConnections: [Int: Int] = [:]
        while load.isRunning {
            samples.append(VerifySample(time: MonotonicClock.now(), counters: CounterSample.read(from: root), threads: ThreadTimes.read(pid: cmPID, from: root)))
            if let metricsURL, samples.count % 5 == 3 {
                let text = (try? metrics.body(of: metricsURL, namespace: testbed?.cmEnd.namespace)) ?? ""
                loopConnections = LoopConnectionCounts.fuller(loopConnections, LoopConnectionCounts.parse(text))
            }
            progress("sampling: \(samples.count) s")
            Thread.sleep(until: Date(timeIntervalSinceNow: 1.0 - (MonotonicClock.now() - samples.last!.time)))
        }
        load.waitUntilExit()
        let resultText = outputReader.finish()
        let loadError = errorReader.finish()
        guard let result = try? JSONDecoder().decode(LoadResult.self, from: resultText) else {
            throw RunError(description: "cm load gave no result (exit status \(load.terminationStatus)): \(String(decoding: loadError, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))")
        }

        let analysis: VerifyAnalysis
        do {
            analysis = try VerifyAnalysis.analyse(
                samples: samples, loadStart: loadStart, load: result, online: online, threshold: options.threshold,
                loopConnections: loopConnections, ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))))
        } catch {
            throw RunError(description: error.description)
        }
        let host = VerifyHost.diagnosis(of: root, from: analysis.window.first!.counters, to: analysis.window.last!.counters)
        var findings = host.findings
        if analysis.judgement.verdict == .fail, let reason = analysis.judgement.reasons.first(where: { $0.receiveOnOneCPU != nil }), let testbed {
            findings.insert(
                .receiveOnOneCPU(
                    reason, cmDevice: testbed.cmEnd.device, loadDevice: testbed.loadEnd.device,
                    rpsCPUs: options.rps?.listString ?? online.listString, onlineMask: online.maskString()),
                at: 0)
        }
        // The veth the CM received on (in its namespace), then the host's own NICs.
        let queueRows = (testbed?.cmQueueRows() ?? []) + host.queues
        return VerifyReport(
            analysis: analysis, host: VerifyHost.name, kernel: VerifyHost.kernel, startedAt: ISO8601DateFormatter().string(from: started),
            threshold: options.threshold, queues: queueRows, findings: findings)
    }

    // MARK: Pieces

    private func progress(_ text: String) {
        guard !options.quiet else { return }
        Console.writeStandardError("\r\u{1B}[Kverify: \(text)")
    }

    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Ctrl-C and SIGTERM: clean up (namespaces, children), then exit 130.
    private static func interruptions(_ cleanup: @escaping @Sendable () -> Void) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                cleanup()
                Console.writeStandardError("\nverify: interrupted; namespaces and processes removed\n")
                exit(130)
            }
            source.resume()
            return source
        }
    }
}
