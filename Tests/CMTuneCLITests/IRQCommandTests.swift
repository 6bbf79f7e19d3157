import CMTuneTestSupport
import Foundation
import Testing

@Suite("cmtune irq", .timeLimit(.minutes(3)))
struct IRQCommandTests {
    @Test("a tree holding only /proc/interrupts still gives the IRQ table with owners")
    func interruptsOnly() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let tree = try TemporaryDirectory()
        try tree.write(
            "proc/interrupts", try String(contentsOfFile: Fixtures.realHosts + "/2xE5530.82576_and_82574L.l2_mixed.manual/interrupts", encoding: .utf8))
        let (result, document) = try CMTuneBinary.json(["irq", "--root", tree.path])
        #expect(result.status == 0, "\(result.error)")
        #expect(document["cpus"] as? [Int] == Array(0..<16))
        let irqs = try #require(document["irqs"] as? [[String: Any]])
        let txrx = try #require(irqs.first { $0["irq"] as? Int == 72 })
        #expect(txrx["name"] as? String == "eth3-TxRx-3")
        #expect(txrx["device"] as? String == "eth3")
        #expect((txrx["queue"] as? [String: Any])?["kind"] as? String == "combined")
        #expect((txrx["queue"] as? [String: Any])?["index"] as? Int == 3)
        #expect((txrx["counts"] as? [Int])?.count == 16)
        #expect(txrx["affinity"] is NSNull)
        let timer = try #require(irqs.first { $0["irq"] as? Int == 0 })
        #expect(timer["device"] is NSNull)
        #expect(timer["queue"] is NSNull)
        #expect((document["counters"] as? [[String: Any]])?.contains { $0["name"] as? String == "LOC" } == true)
    }

    @Test("a malformed /proc/interrupts line is named with file and line, exit status 1, and the rest is printed")
    func malformed() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let tree = try TemporaryDirectory()
        try tree.write(
            "proc/interrupts",
            """
                       CPU0       CPU1
              30:          7          8  IR-PCI-MSI 1-edge      eth0-TxRx-0
              31:     broken
              32:          1          2  IR-PCI-MSI 3-edge      eth0-TxRx-1

            """)
        let result = try CMTuneBinary.run(["irq", "--root", tree.path])
        #expect(result.status == 1)
        #expect(result.error.contains("\(tree.path)/proc/interrupts:3: IRQ 31: 0 count columns, the header names 2 CPUs"))
        #expect(result.output.contains("eth0-TxRx-0"))
        #expect(result.output.contains("eth0-TxRx-1"))
    }

    @Test("on the live host every line of /proc/interrupts is listed with its affinity")
    func liveHost() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let (result, document) = try CMTuneBinary.json(["irq"])
        #expect(result.status == 0, "\(result.error)")
        let text = try String(contentsOfFile: "/proc/interrupts", encoding: .utf8)
        let numbered = text.split(separator: "\n").dropFirst().filter { Int($0.split(separator: ":")[0].trimmingCharacters(in: .whitespaces)) != nil }
        let irqs = try #require(document["irqs"] as? [[String: Any]])
        #expect(irqs.count == numbered.count)
        #expect(irqs.allSatisfy { ($0["affinity"] as? [Int]).map { !$0.isEmpty } ?? false })
    }
}
