import CMTuneTestSupport
import Foundation
import HostKit
import Testing

/// The one veth testbed: made twice over (idempotent), steered through HostKit's sysfs writes,
/// removed whatever happens.
@Suite("veth testbed", .needsRoot, .serialized, .timeLimit(.minutes(1)))
struct VethTestbedTests {
    static func namespaces() throws -> [String] {
        try runChecked(["ip", "netns", "list"]).split(separator: "\n").map { String($0.split(separator: " ")[0]) }
    }

    static func bed(queues: Int = 2) -> VethTestbed {
        VethTestbed(
            first: .init(namespace: "cmtbt-a-\(getpid())", device: "tba0", address: "10.214.0.1"),
            second: .init(namespace: "cmtbt-b-\(getpid())", device: "tbb0", address: "10.214.0.2"), queues: queues)
    }

    @Test("two namespaces joined by a pair with the queues asked for; creating again replaces it; removing twice is fine")
    func createTwiceRemoveTwice() throws {
        let bed = Self.bed(queues: 3)
        try bed.create()
        try bed.create()
        #expect(try Set(bed.namespaces).isSubset(of: Self.namespaces()))
        let queues = try runChecked(["ip", "netns", "exec", bed.first.namespace, "ls", "/sys/class/net/tba0/queues"])
        #expect(queues.split(whereSeparator: \.isWhitespace).filter { $0.hasPrefix("rx-") }.count == 3)
        for end in [bed.first, bed.second] {
            let address = try runChecked(["ip", "-n", end.namespace, "-o", "-4", "addr", "show", "dev", end.device])
            #expect(address.contains("inet \(end.address!)/24"), "\(address)")
            let link = try runChecked(["ip", "-n", end.namespace, "-o", "link", "show", "dev", end.device])
            #expect(link.contains("state UP"), "\(link)")
        }
        bed.remove()
        bed.remove()
        #expect(try Set(bed.namespaces).isDisjoint(with: Self.namespaces()))
    }

    @Test("rps_cpus is written through HostKit on the namespace's own sysfs and read back the same way")
    func receiveSteering() throws {
        try Self.bed().with { bed in
            try bed.setReceiveSteering(CPUSet([0]), on: bed.first)
            let steering = try bed.steering(of: bed.first)
            #expect(steering.map(\.queue) == ["rx-0", "rx-1"])
            #expect(steering.allSatisfy { $0.rpsCPUs == "0" })
            let shell = try runChecked(["ip", "netns", "exec", bed.first.namespace, "cat", "/sys/class/net/tba0/queues/rx-1/rps_cpus"])
            #expect(try CPUSet(parsingMask: shell.trimmingCharacters(in: .whitespacesAndNewlines)) == CPUSet([0]))
            // The other end is untouched.
            #expect(try bed.steering(of: bed.second).allSatisfy { $0.rpsCPUs == "off" || $0.rpsCPUs == "" })
        }
        #expect(try !Self.namespaces().contains(Self.bed().first.namespace))
    }

    @Test("a failure while building leaves nothing behind, and says which command failed")
    func failureCleansUp() throws {
        var bed = Self.bed()
        bed.second.address = "not-an-address"
        #expect {
            try bed.create()
        } throws: { error in
            "\(error)".contains("ip -n \(bed.second.namespace) addr add not-an-address/24")
        }
        #expect(try Set(bed.namespaces).isDisjoint(with: Self.namespaces()))
    }

    @Test("both ends in one namespace")
    func oneNamespace() throws {
        let bed = VethTestbed(
            first: .init(namespace: "cmtbt-one-\(getpid())", device: "v0"), second: .init(namespace: "cmtbt-one-\(getpid())", device: "v1"), queues: 2)
        try bed.with { bed in
            let links = try runChecked(["ip", "-n", bed.first.namespace, "-o", "link", "show"])
            #expect(links.contains("v0@v1") && links.contains("v1@v0"), "\(links)")
        }
    }
}
