import Foundation
import HostKit

/// A real MQTT broker (mosquitto) in one network namespace and its clients in another, joined
/// by a veth pair, with random packet loss made by nftables so TCP retransmits, reorders and
/// duplicates what a capture sees. Everything is removed by `close()` (and on deinit).
public final class MosquittoBed {
    public let broker: String
    public let client: String
    public let brokerAddress: String
    public let clientAddress: String
    /// The broker side's interface, where captures run.
    public let brokerInterface = "mqb0"
    public let clientInterface = "mqc0"
    private let directory: URL
    private var mosquitto: Process?
    private var closed = false

    /// The two namespaces and the pair: HostKit's testbed, shared with `verify --netns`.
    private var testbed: VethTestbed {
        VethTestbed(
            first: .init(namespace: broker, device: brokerInterface, address: brokerAddress),
            second: .init(namespace: client, device: clientInterface, address: clientAddress))
    }

    /// `lossPercent`: packets to port 1883 dropped at the client's egress (the capture then sees
    /// later segments before the retransmission: out of order) and at the broker's ingress
    /// (after the capture saw them: duplicates).
    public init(lossPercent: Int = 5) throws {
        let tag = "\(getpid() % 10000)-\(UInt16.random(in: 0...UInt16.max))"
        broker = "cmtmq-b-\(tag)"
        client = "cmtmq-c-\(tag)"
        let subnet = UInt8.random(in: 1...250)
        brokerAddress = "10.78.\(subnet).1"
        clientAddress = "10.78.\(subnet).2"
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("cmtmq-\(tag)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            try setUp(lossPercent: lossPercent)
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    private func setUp(lossPercent: Int) throws {
        try testbed.create()
        if lossPercent > 0 {
            let clientRules = """
                table inet cmtloss {
                    chain out { type filter hook output priority 0; tcp dport 1883 numgen random mod 100 < \(lossPercent) drop; }
                }
                """
            let brokerRules = """
                table inet cmtloss {
                    chain in { type filter hook input priority 0; tcp dport 1883 numgen random mod 100 < \(lossPercent) drop; }
                }
                """
            try loadRules(clientRules, namespace: client)
            try loadRules(brokerRules, namespace: broker)
        }
        let config = directory.appendingPathComponent("mosquitto.conf")
        try "listener 1883 \(brokerAddress)\nallow_anonymous true\npersistence false\nlog_dest none\n".write(to: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip", "netns", "exec", broker, "mosquitto", "-c", config.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        mosquitto = process
        // Wait until the broker answers.
        for _ in 0..<50 {
            if (try? runCommand(["ip", "netns", "exec", client, "mosquitto_pub", "-h", brokerAddress, "-t", "cmtune/ready", "-m", "x", "-q", "0"]))?.status == 0
            {
                return
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw CommandFailure(arguments: ["mosquitto"], result: CommandResult(status: 1, output: "", error: "the broker did not start"))
    }

    private func loadRules(_ rules: String, namespace: String) throws {
        let file = directory.appendingPathComponent("\(namespace).nft")
        try rules.write(to: file, atomically: true, encoding: .utf8)
        try runChecked(["ip", "netns", "exec", namespace, "nft", "-f", file.path])
    }

    /// Runs a client tool (mosquitto_pub, mosquitto_sub) in the client namespace.
    @discardableResult
    public func runClient(_ arguments: [String]) throws -> CommandResult {
        try runCommand(["ip", "netns", "exec", client] + arguments)
    }

    /// A file in the bed's temporary directory.
    public func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    public func close() {
        guard !closed else { return }
        closed = true
        if let mosquitto, mosquitto.isRunning {
            kill(mosquitto.processIdentifier, SIGKILL)
            mosquitto.waitUntilExit()
        }
        testbed.remove()
        try? FileManager.default.removeItem(at: directory)
    }
}
