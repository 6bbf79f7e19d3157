import HostKit
import Testing

/// Each driver's IRQ names, made from the driver's own format string as its `snprintf` prints
/// them, read back into device, queue kind and index. The format strings are copied from the
/// driver sources cited beside each scheme in IRQNameScheme*.swift and IRQVectorNumbering.swift.
@Suite("Driver IRQ names, printed by each driver's format string")
struct IRQDriverNamingTests {
    let scheme = IRQNameScheme()
    static let bdf = "0000:3b:00.0"

    /// Reads every name, as a device's whole set, and returns "reference role" per name.
    func read(_ names: [String], driver: String? = nil) -> [String] {
        scheme.classify(names: names, driver: driver).map { match in
            match.map { "\($0.reference) \($0.role.label)" } ?? "nil"
        }
    }

    @Test("the last marker in a name divides device from index, also when the device's name holds the marker")
    func lastMarkerDivides() {
        #expect(read(["eth-fp-0-fp-3", "eth0-TxRx-1-TxRx-2", "rx-5"]) == ["eth-fp-0 rx/tx-3", "eth0-TxRx-1 rx/tx-2", "nil"])
    }

    @Test("qlcnic: status rings are rx queues, the last one also completes tx ring 0, tx rings have their own names")
    func qlcnic() {
        // qlcnic_main.c qlcnic_request_irq: "%s-rx-%d", "%s-tx-0-rx-%d", "%s-tx-%d".
        let names = [CFormat.print("%s-rx-%d", "eth0", 0), CFormat.print("%s-rx-%d", "eth0", 1), CFormat.print("%s-tx-0-rx-%d", "eth0", 2)]
        #expect(names == ["eth0-rx-0", "eth0-rx-1", "eth0-tx-0-rx-2"])
        #expect(read(names) == ["eth0 rx-0", "eth0 rx-1", "eth0 rx-2+tx-0"])
        let pair = scheme.classify("eth0-tx-0-rx-3")
        #expect(pair?.reference == .interface("eth0"))
        #expect(pair?.role == .queuePair(rx: 3, tx: 0))
        #expect(pair?.scheme == "qlcnic")
        // With multi-tx, tx rings have their own vectors.
        #expect(scheme.classify(CFormat.print("%s-tx-%d", "eth0", 2))?.role == .queue(.tx, 2))
        // qlcnic_83xx_setup_mbx_intr: "%s[%s]" with "aen" (later the fixed "qlcnic-MB", which
        // names no device: its owner comes from msi_irqs).
        #expect(scheme.classify(CFormat.print("%s[%s]", "eth0", "aen"))?.role == .misc("aen"))
        #expect(scheme.classify("qlcnic-MB") == nil)
    }

    @Test("netxen (and early qlcnic): eth0[N] is status (receive) ring N")
    func netxen() {
        let match = scheme.classify(CFormat.print("%s[%d]", "eth3", 2))
        #expect(match?.reference == .interface("eth3"))
        #expect(match?.role == .queue(.rx, 2))
    }

    @Test("mlx4: completion vectors by PCI function, old and new forms; async and INTx vectors")
    func mlx4() {
        // eq.c mlx4_init_eq_table (old): "mlx4-comp-%d@pci:%s", "mlx4-async@pci:%s".
        let old = scheme.classify(CFormat.print("mlx4-comp-%d@pci:%s", 2, Self.bdf))
        #expect(old?.reference == .pci(Self.bdf))
        #expect(old?.role == .queue(.combined, 2))
        #expect(scheme.classify(CFormat.print("mlx4-async@pci:%s", Self.bdf))?.role == .misc("mlx4-async"))
        // eq.c mlx4_assign_eq: "mlx4-%d@%s" with the EQ number (EQ 0 is async) and dev_name.
        let new = scheme.classify(CFormat.print("mlx4-%d@%s", 3, Self.bdf))
        #expect(new?.reference == .pci(Self.bdf))
        #expect(new?.role == .queue(.combined, 2))
        // DRV_NAME "@pci:%s": the single INTx vector.
        let intx = scheme.classify(CFormat.print("mlx4_core@pci:%s", Self.bdf))
        #expect(intx?.reference == .pci(Self.bdf))
        #expect(intx?.role == .device)
    }

    @Test("tg3 with RSS: vector 0 carries tx ring 0 and the link, rx queue i is vector i + 1")
    func tg3RSS() {
        // tg3.c tg3_request_irq: "%s-tx-%d" for napi[0] (tx ring 0, no rx ring), "%s-rx-%d" after.
        let names = [CFormat.print("%s-tx-%d", "eth0", 0)] + (1...4).map { CFormat.print("%s-rx-%d", "eth0", $0) }
        let expected = ["eth0 tx-0", "eth0 rx-0", "eth0 rx-1", "eth0 rx-2", "eth0 rx-3"]
        #expect(read(names, driver: "tg3") == expected)
        // From names alone: rx vectors that start at 1 prove tg3's numbering.
        #expect(read(names) == expected)
        #expect(scheme.classify(names: names).compactMap { $0?.scheme } == Array(repeating: "tg3", count: 5))
    }

    @Test("tg3 with RSS and TSS: vector 0 is the link vector, txrx vector i serves rx/tx queue i - 1")
    func tg3TSS() {
        let names = [CFormat.print("%s-%d", "eth1", 0)] + (1...3).map { CFormat.print("%s-txrx-%d", "eth1", $0) }
        #expect(names == ["eth1-0", "eth1-txrx-1", "eth1-txrx-2", "eth1-txrx-3"])
        let expected = ["eth1 link", "eth1 rx/tx-0", "eth1 rx/tx-1", "eth1 rx/tx-2"]
        #expect(read(names, driver: "tg3") == expected)
        #expect(read(names) == expected)
    }

    @Test("igb and e1000e keep their 0-based rx/tx numbering, named or with the driver known")
    func igbNumberingStays() {
        let names = (0...3).map { CFormat.print("%s-rx-%d", "eth0", $0) } + (0...3).map { CFormat.print("%s-tx-%d", "eth0", $0) }
        let expected = (0...3).map { "eth0 rx-\($0)" } + (0...3).map { "eth0 tx-\($0)" }
        #expect(read(names) == expected)
        #expect(read(names, driver: "igb") == expected)
        // A driver other than tg3 is never renumbered, whatever its names start at.
        #expect(read(["eth0-rx-1", "eth0-rx-2"], driver: "igb") == ["eth0 rx-1", "eth0 rx-2"])
        // bnx2's eth0-0.. are queue vectors, not tg3's link vector.
        #expect(read(["eth0-0", "eth0-1"]) == ["eth0 rx/tx-0", "eth0 rx/tx-1"])
    }

    @Test("gve: the first half of the notification blocks serve tx queues, the second half rx queues")
    func gve() {
        // gve_main.c gve_alloc_notify_blocks: "gve-ntfy-blk%d@pci:%s", "gve-mgmnt@pci:%s".
        let names = (0..<8).map { CFormat.print("gve-ntfy-blk%d@pci:%s", $0, Self.bdf) } + [CFormat.print("gve-mgmnt@pci:%s", Self.bdf)]
        let expected = (0..<4).map { "\(Self.bdf) tx-\($0)" } + (0..<4).map { "\(Self.bdf) rx-\($0)" } + ["\(Self.bdf) management"]
        #expect(read(names) == expected)
        // Older gve: "%s-ntfy-block.%d" and "%s-mgmnt" of the netdev.
        let old = (0..<4).map { CFormat.print("%s-ntfy-block.%d", "eth0", $0) } + [CFormat.print("%s-mgmnt", "eth0")]
        #expect(read(old) == ["eth0 tx-0", "eth0 tx-1", "eth0 rx-0", "eth0 rx-1", "eth0 management"])
    }

    @Test("gve: without the whole even run of blocks the split is unknown, and the role says so")
    func gveIncomplete() throws {
        let names = (0..<3).map { CFormat.print("gve-ntfy-blk%d@pci:%s", $0, Self.bdf) }
        for match in scheme.classify(names: names) {
            let role = try #require(match?.role)
            #expect(!role.servesQueues)
            #expect(role.label.contains("tx or rx not known"))
            #expect(role != .allQueues)
        }
    }

    @Test("mana: mana_qN serves queue N of the function's ports; mana_hwc is the management vector")
    func mana() {
        // gdma_main.c mana_gd_setup_irqs: "mana_hwc@pci:%s" for MSI-X 0, "mana_q%d@pci:%s" after.
        let queue = scheme.classify(CFormat.print("mana_q%d@pci:%s", 5, Self.bdf))
        #expect(queue?.reference == .pci(Self.bdf))
        #expect(queue?.role == .queue(.combined, 5))
        let hwc = scheme.classify(CFormat.print("mana_hwc@pci:%s", Self.bdf))
        #expect(hwc?.reference == .pci(Self.bdf))
        #expect(hwc?.role == .misc("management"))
        #expect(hwc?.role.servesQueues == false)
    }

    @Test("hns3: vectors named by PCI address, the TxRx counter counts two per vector; hclge misc vector")
    func hns3() {
        // hns3_enet.c hns3_nic_init_irq: "%s-%s-%s-%d" of "hns3", pci_name, "TxRx"/"Rx"/"Tx", counter.
        let names = stride(from: 0, through: 6, by: 2).map { CFormat.print("%s-%s-%s-%d", "hns3", Self.bdf, "TxRx", $0) }
        #expect(names.first == "hns3-0000:3b:00.0-TxRx-0")
        #expect(read(names) == (0...3).map { "\(Self.bdf) rx/tx-\($0)" })
        #expect(scheme.classify(CFormat.print("%s-%s-%s-%d", "hns3", Self.bdf, "Rx", 1))?.role == .queue(.rx, 1))
        #expect(scheme.classify(CFormat.print("%s-%s-%s-%d", "hns3", Self.bdf, "Tx", 1))?.role == .queue(.tx, 1))
        // hclge_main.c hclge_misc_irq_init: "%s-misc-%s" of "hclge" and pci_name.
        let misc = scheme.classify(CFormat.print("%s-misc-%s", "hclge", Self.bdf))
        #expect(misc?.reference == .pci(Self.bdf))
        #expect(misc?.role == .misc("misc"))
        // Before PCI names: "%s-%s-%d" of the netdev, "TxRx", the same double-counted counter.
        let old = [0, 2, 4].map { CFormat.print("%s-%s-%d", "eth0", "TxRx", $0) }
        #expect(read(old, driver: "hns3") == ["eth0 rx/tx-0", "eth0 rx/tx-1", "eth0 rx/tx-2"])
        #expect(read(old) == ["eth0 rx/tx-0", "eth0 rx/tx-1", "eth0 rx/tx-2"])
        // ixgbe's contiguous TxRx numbering is left alone.
        #expect(read(["eth0-TxRx-0", "eth0-TxRx-1", "eth0-TxRx-2"]) == ["eth0 rx/tx-0", "eth0 rx/tx-1", "eth0 rx/tx-2"])
    }

    @Test("names of the same shape that are no NIC's stay unclaimed")
    func notNICs() {
        for name in ["hpet2", "nvme0q1", "ahci[0000:00:1f.2]", "xhci_hcd", "hns3-notapci-TxRx-0", "gve-ntfy-blkX@pci:0000:3b:00.0"] {
            let match = scheme.classify(name)
            #expect(match == nil || match?.role.servesQueues == false, "\(name): \(String(describing: match))")
        }
    }
}

/// printf's `%s` and `%d` (`%u`), enough to print a driver's IRQ name format with its arguments.
enum CFormat {
    static func print(_ format: String, _ arguments: any Sendable...) -> String {
        var output = ""
        var remaining = arguments[...]
        var characters = format.makeIterator()
        while let character = characters.next() {
            guard character == "%", let conversion = characters.next() else {
                output.append(character)
                continue
            }
            switch conversion {
            case "s", "d", "u": output += remaining.popFirst().map { "\($0)" } ?? ""
            default: output += "%\(conversion)"
            }
        }
        return output
    }
}
