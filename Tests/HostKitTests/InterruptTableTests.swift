import CMTuneTestSupport
import HostKit
import Testing

@Suite("/proc/interrupts")
struct InterruptTableTests {
    /// Parses `text` as the kernel writes it: every line ends with a newline (a Swift
    /// multi-line literal has none after its last line).
    static func parse(_ text: String) -> InterruptTable {
        InterruptTable(parsing: Array((text.hasSuffix("\n") ? text : text + "\n").utf8), path: "interrupts")
    }

    @Test("every real host parses cleanly with one count per CPU column", arguments: RealHosts.names)
    func realHosts(host: String) throws {
        let text = try #require(RealHosts.file(host, "interrupts"))
        let table = Self.parse(text)
        #expect(table.issues.isEmpty, "\(table.issues)")
        let header = text.split(separator: "\n")[0].split(separator: " ")
        #expect(table.cpus == Array(0..<header.count))
        let numbered = text.split(separator: "\n").filter { line in
            let label = line.split(separator: ":", maxSplits: 1)[0].trimmingPrefix(while: { $0 == " " })
            return Int(label) != nil
        }
        #expect(table.lines.count == numbered.count)
        #expect(table.lines.allSatisfy { $0.counts.count == table.cpus.count })
        #expect(table.counters.contains { $0.name == "LOC" })
    }

    @Test("old-kernel lines: chip with glued handler, then the action")
    func oldFormat() throws {
        let table = Self.parse(try #require(RealHosts.file("2xX5650.BCM5709_and_MT27520.L2.manual", "interrupts")))
        let line = try #require(table.line(irq: 70))
        #expect(line.chip == "PCI-MSI")
        #expect(line.trigger == "edge")
        #expect(line.actions == ["eth2-6"])
        #expect(line.counts[0] == 4_276_756_322)
        #expect(table.count(irq: 67, cpu: 11) == 42_011_409)
        #expect(table.count(irq: 67, cpu: 6) == 945_889_254)
        #expect(table.line(irq: 67)?.total == 143_320 + 945_889_254 + 42_011_409)
        #expect(table.line(irq: 22)?.actions == ["uhci_hcd:usb4", "uhci_hcd:usb6", "hpilo"])
    }

    @Test("modern x86 lines: MSI-X chip with PCI address, hardware IRQ and handler, then the action")
    func modernFormat() throws {
        let table = Self.parse(
            """
                       CPU0       CPU1
              24:          1          0  IO-APIC   5-edge      ACPI:Ged
              38:          0         39 PCI-MSIX-0000:00:03.0   1-edge      virtio2-input.0
             122:    1000000          0  IR-PCI-MSI 524288-edge      eth0-TxRx-0
               9:          0          0  IO-APIC   9-fasteoi   acpi
              16:          0          0  IR-IO-APIC   16-fasteoi   PCIe PME, pciehp
               7:          0          0  IR-IO-APIC    7-fasteoi
             NMI:          0          0   Non-maskable interrupts
             ERR:          0
            """)
        #expect(table.issues.isEmpty)
        let virtio = try #require(table.line(irq: 38))
        #expect(virtio.chip == "PCI-MSIX-0000:00:03.0")
        #expect(virtio.hardwareIRQ == "1")
        #expect(virtio.trigger == "edge")
        #expect(virtio.actions == ["virtio2-input.0"])
        #expect(table.line(irq: 122)?.hardwareIRQ == "524288")
        #expect(table.line(irq: 122)?.actions == ["eth0-TxRx-0"])
        #expect(table.line(irq: 16)?.actions == ["PCIe PME", "pciehp"])
        #expect(table.line(irq: 7)?.actions == [])
        #expect(table.counters.map(\.name) == ["NMI", "ERR"])
        #expect(table.counters[0].description == "Non-maskable interrupts")
        #expect(table.counters[1].counts == [0])
    }

    @Test("ARM lines with Level/Edge words")
    func armFormat() {
        let table = Self.parse(
            """
                       CPU0       CPU1       CPU2       CPU3
             11:      12345       6789       1011       1213     GICv3  27 Level     arch_timer
             45:          0          0          0          0     ITS-MSI 524288 Edge      eth0-rx-0
            """)
        #expect(table.issues.isEmpty)
        #expect(table.line(irq: 11)?.chip == "GICv3")
        #expect(table.line(irq: 11)?.trigger == "Level")
        #expect(table.line(irq: 11)?.actions == ["arch_timer"])
        #expect(table.line(irq: 45)?.actions == ["eth0-rx-0"])
    }

    @Test("columns follow the CPUn header when CPUs are offline")
    func offlineColumns() {
        let table = Self.parse(
            """
                       CPU0       CPU2       CPU5
              30:          7          8          9  IR-PCI-MSI 1-edge      eth0-TxRx-0
            """)
        #expect(table.cpus == [0, 2, 5])
        #expect(table.count(irq: 30, cpu: 5) == 9)
        #expect(table.count(irq: 30, cpu: 1) == nil)
    }

    @Test("a malformed line is reported with its number and the rest is kept")
    func malformedLine() {
        let table = Self.parse(
            """
                       CPU0       CPU1
              30:          7          8  IR-PCI-MSI 1-edge      eth0-TxRx-0
              31:          7  IR-PCI-MSI 2-edge      eth0-TxRx-1
            garbage without colon
              32:          1          2  IR-PCI-MSI 3-edge      eth0-TxRx-2
              30:          1          2  IR-PCI-MSI 3-edge      duplicate
            """)
        #expect(table.lines.map(\.irq) == [30, 32])
        #expect(table.issues.count == 3)
        #expect(table.issues[0].line == 3)
        #expect(table.issues[0].description == "interrupts:3: IRQ 31: 1 count column, the header names 2 CPUs")
        #expect(table.issues[1].line == 4)
        #expect(table.issues[2].message.contains("IRQ 30 appears twice"))
    }

    @Test("a repeated IRQ is found after the file leaves ascending order, and only then")
    func duplicateAfterDisorder() {
        let table = Self.parse(
            """
                       CPU0
              40:          1  IR-PCI-MSI 1-edge      a
              10:          2  IR-PCI-MSI 2-edge      b
              50:          3  IR-PCI-MSI 3-edge      c
              40:          4  IR-PCI-MSI 4-edge      d
              10:          5  IR-PCI-MSI 5-edge      e
              60:          6  IR-PCI-MSI 6-edge      f
              50:          7  IR-PCI-MSI 7-edge      g
            """)
        #expect(table.lines.map(\.irq) == [40, 10, 50, 60])
        #expect(table.lines.map(\.name) == ["a", "b", "c", "f"])
        #expect(table.issues.map(\.line) == [5, 6, 8])
        #expect(table.line(irq: 10)?.counts == [2])
    }

    @Test("action names: split at commas, trimmed, empty ones dropped; a comma joined to a combining mark is no separator")
    func actionNames() {
        let table = Self.parse(
            "           CPU0\n"
                + "  16:          1  IO-APIC  16-fasteoi   uhci_hcd:usb3 ,  ehci_hcd:usb1,,\tPCIe PME , \n"
                + "  17:          1  IO-APIC  17-fasteoi   caf\u{E9}, eth1\n"
                + "  18:          1  IO-APIC  18-fasteoi   a,\u{301}b, c\n")
        #expect(table.issues.isEmpty)
        #expect(table.line(irq: 16)?.actions == ["uhci_hcd:usb3", "ehci_hcd:usb1", "PCIe PME"])
        #expect(table.line(irq: 17)?.actions == ["caf\u{E9}", "eth1"])
        #expect(table.line(irq: 18)?.actions == ["a,\u{301}b", "c"])
    }

    @Test("a file without a CPU header is one clear issue, not a crash")
    func missingHeader() {
        #expect(Self.parse("").issues.first?.message == "empty file: no CPU header")
        let garbage = Self.parse("hello world\n 1: 2 3 x\n")
        #expect(garbage.lines.isEmpty)
        #expect(garbage.issues.first?.message.contains("'hello'") == true)
        let binary = InterruptTable(parsing: [0xFF, 0xFE, 0x00, 0x0A, 0x41], path: "interrupts")
        #expect(binary.lines.isEmpty)
        #expect(!binary.issues.isEmpty)
    }
}
