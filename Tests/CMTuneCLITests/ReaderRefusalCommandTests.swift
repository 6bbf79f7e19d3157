import CMTuneTestSupport
import Foundation
import Testing

/// What `irq` and `nic` do with a copied tree that went wrong: a FIFO where a file should be
/// (it used to hang them for ever) and a /proc/interrupts cut in its last line.
@Suite("irq and nic on broken trees", .timeLimit(.minutes(1)))
struct ReaderRefusalCommandTests {
    @Test("a FIFO at proc/interrupts: irq and nic exit 1 within seconds with one line naming it", arguments: ["irq", "nic"])
    func fifo(command: String) throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let tree = FixtureTree()
        tree.makeFIFO("proc/interrupts")
        let child = try CMTuneChild([command, "--root", tree.path])
        let ending = try #require(child.ending(within: 10), "cmtune \(command) hung on the FIFO")
        #expect(ending.status == 1)
        #expect(ending.stderr == "cmtune: \(tree.path)/proc/interrupts: is a FIFO, not a file; refusing to read it\n")
    }

    @Test("a link to /dev/zero at proc/interrupts is refused the same way", arguments: ["irq", "nic"])
    func devZero(command: String) throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let tree = FixtureTree()
        tree.link("proc/interrupts", to: "/dev/zero")
        let child = try CMTuneChild([command, "--root", tree.path])
        let ending = try #require(child.ending(within: 10), "cmtune \(command) read /dev/zero for ever")
        #expect(ending.status == 1)
        #expect(ending.stderr == "cmtune: \(tree.path)/proc/interrupts: is a character device, not a file; refusing to read it\n")
    }

    @Test("a /proc/interrupts cut in its last line: irq names the line, exits 1, and shows the rest")
    func cutShort() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let tree = FixtureTree()
        tree.write(
            "proc/interrupts",
            "           CPU0       CPU1\n  30:          7          8  IR-PCI-MSI 1-edge      eth0-TxRx-0\n  31:          7          8  IR-PCI-MSI 2-edge      eth0-Tx",
            newline: false)
        let child = try CMTuneChild(["irq", "--root", tree.path])
        let ending = try #require(child.ending(within: 10))
        #expect(ending.status == 1)
        #expect(ending.stderr.contains("cmtune: \(tree.path)/proc/interrupts:3: line 3 is cut short: no newline at the end of the file\n"))
        #expect(ending.stdout.contains("eth0-TxRx-0"))
        #expect(!ending.stdout.contains("eth0-Tx\n"))
    }
}
