import Foundation

/// A mosquitto broker on loopback, for tests that capture real MQTT traffic: started with the
/// configuration given (its listeners), killed when the value goes away.
final class LoopbackBroker {
    private let process = Process()

    /// `configuration` is written to `directory` as mosquitto.conf.
    init(configuration: String, in directory: TemporaryDirectory) throws {
        try directory.write("mosquitto.conf", configuration)
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/mosquitto")
        process.arguments = ["-c", directory.path + "/mosquitto.conf"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        // SIGKILL: the broker inherits the test runner's blocked SIGTERM (as MosquittoBed's does).
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
