import Foundation
import HostKit

/// `verify --netns`: two network namespaces joined by a veth pair with N queues, the CM in one
/// and the load in the other, so one machine can test its own receive path end to end. Removed
/// again by `remove()` (also called on Ctrl-C and SIGTERM).
struct VerifyNamespaces {
    let cmNamespace: String
    let loadNamespace: String
    let cmDevice: String
    let loadDevice: String
    let cmAddress = "10.213.0.1"
    let loadAddress = "10.213.0.2"
    let queues: Int

    struct SetupError: Error, CustomStringConvertible {
        var description: String
    }

    init(queues: Int) {
        let id = getpid()
        cmNamespace = "cmtune-vcm-\(id)"
        loadNamespace = "cmtune-vld-\(id)"
        cmDevice = "vcm\(id)"
        loadDevice = "vld\(id)"
        self.queues = queues
    }

    /// Creates both namespaces and the veth pair; on any failure removes what was made.
    func create(cmRPS: CPUSet, loadRPS: CPUSet) throws {
        let q = String(queues)
        let steps: [[String]] = [
            ["ip", "netns", "add", cmNamespace],
            ["ip", "netns", "add", loadNamespace],
            // Made inside the namespaces, never visible in the host's: a tool reading the host's
            // interfaces meanwhile (`cmtune nic`, a monitoring agent) sees nothing come and go.
            ["ip", "-n", cmNamespace, "link", "add", cmDevice, "numtxqueues", q, "numrxqueues", q, "type", "veth",
             "peer", "name", loadDevice, "netns", loadNamespace, "numtxqueues", q, "numrxqueues", q],
            ["ip", "-n", cmNamespace, "addr", "add", "\(cmAddress)/24", "dev", cmDevice],
            ["ip", "-n", loadNamespace, "addr", "add", "\(loadAddress)/24", "dev", loadDevice],
            ["ip", "-n", cmNamespace, "link", "set", "lo", "up"],
            ["ip", "-n", loadNamespace, "link", "set", "lo", "up"],
            ["ip", "-n", cmNamespace, "link", "set", cmDevice, "up"],
            ["ip", "-n", loadNamespace, "link", "set", loadDevice, "up"],
        ]
        do {
            for step in steps { try Self.run(step) }
            try setRPS(cmRPS, namespace: cmNamespace, device: cmDevice)
            try setRPS(loadRPS, namespace: loadNamespace, device: loadDevice)
        } catch {
            remove()
            throw error
        }
    }

    /// Receive packet steering for every receive queue of `device`: which CPUs process what
    /// arrives there (a veth has no hardware IRQ; RPS is what spreads or concentrates its work).
    private func setRPS(_ cpus: CPUSet, namespace: String, device: String) throws {
        let mask = cpus.maskString()
        for queue in 0..<queues {
            try Self.run(["ip", "netns", "exec", namespace, "sh", "-c", "echo \(mask) > /sys/class/net/\(device)/queues/rx-\(queue)/rps_cpus"])
        }
    }

    /// The CM side's receive queues as the kernel reports them now.
    func cmQueueRows() -> [(queue: String, rps: String?, xps: String?)] {
        (0..<queues).map { queue in
            let rps = try? Self.output(["ip", "netns", "exec", cmNamespace, "cat", "/sys/class/net/\(cmDevice)/queues/rx-\(queue)/rps_cpus"])
            let xps = try? Self.output(["ip", "netns", "exec", cmNamespace, "cat", "/sys/class/net/\(cmDevice)/queues/tx-\(queue)/xps_cpus"])
            return ("rx-\(queue)", rps.flatMap(Self.cpuList), xps.flatMap(Self.cpuList))
        }
    }

    private static func cpuList(_ mask: String) -> String? {
        (try? CPUSet(parsingMask: mask.trimmingCharacters(in: .whitespacesAndNewlines)))?.listString
    }

    /// Deleting a namespace deletes the veth in it, and with it its peer.
    func remove() {
        _ = try? Self.run(["ip", "netns", "delete", cmNamespace])
        _ = try? Self.run(["ip", "netns", "delete", loadNamespace])
    }

    static func run(_ arguments: [String]) throws {
        _ = try output(arguments)
    }

    @discardableResult
    static func output(_ arguments: [String]) throws -> String {
        let child = try ChildProcess.launch(arguments)
        let (process, out, err) = (child.process, child.output, child.errors)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw SetupError(description: "\(arguments.joined(separator: " ")): \(message.isEmpty ? "exit status \(process.terminationStatus)" : message)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
