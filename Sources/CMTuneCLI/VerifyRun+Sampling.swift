import Foundation
import HostKit
import Load
import NIOPosix
import Verify

/// The load against the CM, with the host and the CM sampled every second while it runs and
/// the CM's metrics scraped now and then for its connections per loop.
extension VerifyRun {
    struct MeasuredLoad {
        var samples: [VerifySample]
        var loadStart: Double
        var loopConnections: [Int: Int]
        var result: LoadResult
    }

    func measureLoad(against cm: MeasuredCM, testbed: VethTestbed?, cleanup: Cleanup) throws -> MeasuredLoad {
        var arguments = [
            Self.executable, "cm", "load", "--target", cm.target, "--secret-file", cm.secretFile, "--json",
            "--connections", String(options.connections), "--rate", "\(options.rate)/s", "--pattern", options.pattern,
            "--duration", "\(options.duration)s", "--cm-pid", String(cm.pid), "--connect-rate", "5000/s",
            "--user-prefix", "verify",
        ]
        if let testbed { arguments = ["ip", "netns", "exec", testbed.loadEnd.namespace] + arguments }
        let loadStart = MonotonicClock.now()
        let child = try ChildProcess.launch(arguments)
        let load = child.process
        cleanup.add { if load.isRunning { kill(load.processIdentifier, SIGKILL) } }
        let outputReader = PipeCollector(child.output)
        let errorReader = PipeCollector(child.errors)
        let metricsGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? metricsGroup.syncShutdownGracefully() }
        let metrics = HTTPGet(group: metricsGroup)
        var samples: [VerifySample] = []
        var loopConnections: [Int: Int] = [:]
        while load.isRunning {
            samples.append(
                VerifySample(time: MonotonicClock.now(), counters: CounterSample.read(from: root), threads: ThreadTimes.read(pid: cm.pid, from: root)))
            if let metricsURL = cm.metricsURL, samples.count % 5 == 3 {
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
            throw RunError(
                description:
                    "cm load gave no result (exit status \(load.terminationStatus)): \(String(decoding: loadError, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))"
            )
        }
        return MeasuredLoad(samples: samples, loadStart: loadStart, loopConnections: loopConnections, result: result)
    }
}
