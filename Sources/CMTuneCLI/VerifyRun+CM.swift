import Foundation
import HostKit
import Verify

/// The CM a run measures: the one named by `--cm PID`, or a reference CM started for the run
/// (inside the testbed's CM namespace with `--netns`).
extension VerifyRun {
    struct MeasuredCM {
        var pid: Int32
        var target: String
        var secretFile: String
        /// Where its Prometheus metrics are served, when the run started it.
        var metricsURL: String?
    }

    func connectionManager(testbed: VethTestbed?, scratch: URL, cleanup: Cleanup) throws -> MeasuredCM {
        if let pid = options.cmPID, let target = options.target, let secret = options.secretFile {
            return MeasuredCM(pid: pid, target: target, secretFile: secret)
        }
        let secretFile = scratch.appendingPathComponent("KEY").path
        try Data((0..<32).map { _ in UInt8.random(in: 0...255) }.map { String(format: "%02x", $0) }.joined().utf8)
            .write(to: URL(fileURLWithPath: secretFile))
        let address = testbed?.cmEnd.address ?? "127.0.0.1"
        var arguments = [
            Self.executable, "cm", "serve", "--secret-file", secretFile, "--listen", "tcp://\(address):0",
            "--metrics", "\(address):0", "--log-level", "error", "--send-rate", "0", "--max-write-buffer", "8MiB",
        ]
        if let testbed { arguments = ["ip", "netns", "exec", testbed.cmEnd.namespace] + arguments }
        let (process, lines) = try VerifyChild.start(arguments, until: { $0.contains("metrics on ") })
        cleanup.add { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        guard let listening = lines.first(where: { $0.contains("listening on ") }) else { throw RunError(description: "the CM printed no listener") }
        return MeasuredCM(
            pid: process.processIdentifier, target: String(listening.split(separator: " ").last ?? ""), secretFile: secretFile,
            metricsURL: lines.first { $0.contains("metrics on ") }.map { String($0.split(separator: " ").last ?? "") })
    }
}
