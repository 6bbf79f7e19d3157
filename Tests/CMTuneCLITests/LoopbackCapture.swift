import Foundation

/// `cmtune capture -i lo` on one TCP port, writing a pcap while a test drives real traffic.
struct LoopbackCapture {
    let path: String
    private let process = Process()

    /// Starts the capture and gives it time to open the interface before traffic flows.
    init(port: Int, path: String) throws {
        self.path = path
        process.executableURL = URL(fileURLWithPath: CMTuneBinary.path)
        process.arguments = ["capture", "-i", "lo", "-f", "tcp port \(port)", "-w", path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 0.6)
    }

    /// Ctrl-C, as a user stops it, once the last packets had time to arrive; the file is then whole.
    func stop() {
        Thread.sleep(forTimeInterval: 0.5)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
    }
}
