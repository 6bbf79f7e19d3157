import Foundation

/// `cmtune capture -i lo` on one TCP port, writing a pcap while a test drives real traffic.
struct LoopbackCapture {
    let path: String
    private let process = Process()
    private let errors = Pipe()

    /// Starts the capture and gives it time to open the interface before traffic flows.
    /// `options` go after `-w PATH` (rotation, for one).
    init(port: Int, path: String, options: [String] = []) throws {
        self.path = path
        process.executableURL = URL(fileURLWithPath: CMTuneBinary.path)
        process.arguments = ["capture", "-i", "lo", "-f", "tcp port \(port)", "-w", path] + options
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        Thread.sleep(forTimeInterval: 0.6)
    }

    /// Ctrl-C, as a user stops it, once the last packets had time to arrive; the file is then
    /// whole. Returns the exit status and what the capture wrote on stderr.
    @discardableResult
    func stop() -> (status: Int32, error: String) {
        Thread.sleep(forTimeInterval: 0.5)
        kill(process.processIdentifier, SIGINT)
        let error = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, error)
    }
}
