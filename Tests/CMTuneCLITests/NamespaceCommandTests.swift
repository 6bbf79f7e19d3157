import CMTuneTestSupport
import Foundation
import HostKit
import Testing

/// /proc/interrupts is global: inside a network namespace it lists the host's vectors. A veth
/// named like a host NIC must not take them, and the host's devices must not be shown as the
/// namespace's (unless --all-namespaces).
@Suite("cmtune nic in a network namespace", .serialized, .timeLimit(.minutes(3)))
struct NamespaceCommandTests {
    /// A name the host's NIC IRQs carry (`eth0-TxRx-0` names eth0), else the host's first NIC
    /// with a device behind it, else eth0.
    static func hostNICName() -> String {
        if let text = try? String(contentsOfFile: "/proc/interrupts", encoding: .utf8) {
            let table = InterruptTable(parsing: Array(text.utf8))
            let scheme = IRQNameScheme()
            for line in table.lines {
                for action in line.actions {
                    if case .interface(let name)? = scheme.classify(action)?.reference { return name }
                }
            }
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/net")) ?? []
        return names.sorted().first { FileManager.default.fileExists(atPath: "/sys/class/net/\($0)/device") } ?? "eth0"
    }

    @Test("inside a namespace a veth named like a host NIC gets none of the host's IRQs; the host's devices are a note", .needsRoot)
    func vethNamedLikeHostNIC() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let hostNIC = Self.hostNICName()
        try VethNamespace.with(device: hostNIC) { namespace in
            let (result, document) = try CMTuneBinary.json(["nic"], namespace: namespace.name)
            #expect(result.status == 0, "\(result.error)")
            #expect(document["initialNetworkNamespace"] as? Bool == false)
            let veth = try #require(document.interface(hostNIC), "\(hostNIC) missing from \(document.interfaces().map { $0["name"] ?? "?" })")
            #expect(veth["virtual"] as? Bool == true)
            let queues = try #require(veth["queues"] as? [[String: Any]])
            #expect(queues.count == 2 * VethNamespace.queueCount)
            #expect(queues.allSatisfy { $0["irq"] is NSNull }, "\(queues.map { $0["irqName"] ?? "" })")
            #expect((veth["otherIRQs"] as? [Any])?.isEmpty == true)
            // Only the namespace's own interfaces: nothing pieced together from the host's names.
            let links = try namespace.execChecked(["ls", "/sys/class/net"]).split(whereSeparator: \.isWhitespace).map(String.init)
            for interface in document.interfaces() {
                #expect(interface["inferredFromIRQNames"] as? Bool == false)
                #expect(links.contains(interface["name"] as? String ?? ""))
            }
            let hidden = try #require(document["otherNamespaceDevices"] as? [String])
            let text = try CMTuneBinary.run(["nic"], namespace: namespace.name)
            #expect(text.output.contains("note: not the initial network namespace") == !hidden.isEmpty, "\(text.output)")

            // --all-namespaces shows what the names tell, and still pins nothing on the veth.
            let (_, all) = try CMTuneBinary.json(["nic", "--all-namespaces"], namespace: namespace.name)
            let inferred = all.interfaces().filter { $0["inferredFromIRQNames"] as? Bool == true }.compactMap { $0["name"] as? String }
            #expect(Set(inferred).isSubset(of: hidden))
            #expect((all["otherNamespaceDevices"] as? [String])?.isEmpty == true)
            let vethAgain = try #require(all.interface(hostNIC))
            #expect((vethAgain["queues"] as? [[String: Any]])?.allSatisfy { $0["irq"] is NSNull } == true)
        }
    }
}
