import Foundation

/// A mosquitto broker on loopback, for tests that capture real MQTT traffic: started with the
/// configuration given (its listeners), ready when `init` returns, killed when the value goes away.
final class LoopbackBroker {
    private let process = Process()
    private let log = Pipe()

    /// `configuration` is written to `directory` as mosquitto.conf (with its log on stderr).
    /// Returns once mosquitto says it is running, its listeners open; throws when it ends or
    /// stays silent for `limit`.
    init(configuration: String, in directory: TemporaryDirectory, limit: Duration = .seconds(20)) throws {
        try directory.write("mosquitto.conf", configuration + "\nlog_dest stderr\n")
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/mosquitto")
        process.arguments = ["-c", directory.path + "/mosquitto.conf"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = log
        try process.run()
        // "mosquitto version X running" comes after every listener is open.
        _ = try LoopbackCapture.waitForLine(containing: " running", in: log.fileHandleForReading, process: process, limit: limit)
        // The rest of its log is read and dropped, so a full pipe never stops the broker.
        log.fileHandleForReading.readabilityHandler = { _ = $0.availableData }
    }

    deinit {
        log.fileHandleForReading.readabilityHandler = nil
        // SIGKILL: the broker inherits the test runner's blocked SIGTERM (as MosquittoBed's does).
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
