import Dispatch
import Foundation
import HostKit
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
    let root = HostRoot("/")

    func run() throws -> VerifyReport {
        let started = Date()
        let online = (try? CPUSet(parsingList: (try? root.read("sys/devices/system/cpu/online")) ?? "")) ?? CPUSet([0])
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
        let testbed = try options.netns ? makeTestbed(steering: options.rps ?? online, cleanup: cleanup) : nil
        let signals = Self.interruptions { cleanup.run() }
        defer { for signal in signals { signal.cancel() } }

        let cm = try connectionManager(testbed: testbed, scratch: scratch, cleanup: cleanup)
        progress("CM pid \(cm.pid) at \(cm.target); \(options.connections) connections, \(Int(options.rate))/s for \(Int(options.duration)) s")
        let measured = try measureLoad(against: cm, testbed: testbed, cleanup: cleanup)

        let analysis: VerifyAnalysis
        do {
            analysis = try VerifyAnalysis.analyse(
                samples: measured.samples, loadStart: measured.loadStart, load: measured.result, online: online,
                threshold: options.threshold, loopConnections: measured.loopConnections,
                ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))))
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

    /// `--netns`: the two namespaces and the veth pair, with RPS on both ends; removed by
    /// `cleanup` on every exit path.
    private func makeTestbed(steering: CPUSet, cleanup: Cleanup) throws -> VethTestbed {
        guard geteuid() == 0 else { throw RunError(description: "--netns needs root (it creates network namespaces)") }
        let testbed = VethTestbed.verify(queues: options.queues, id: getpid())
        cleanup.add { testbed.remove() }
        do {
            try testbed.create()
            try testbed.setReceiveSteering(steering, on: testbed.cmEnd)
            try testbed.setReceiveSteering(steering, on: testbed.loadEnd)
        } catch {
            testbed.remove()
            throw RunError(description: error.description)
        }
        return testbed
    }

    // MARK: Pieces

    func progress(_ text: String) {
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
