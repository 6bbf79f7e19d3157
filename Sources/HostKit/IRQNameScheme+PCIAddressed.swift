/// Names that refer to the device by its PCI function instead of a netdev: what the vector serves
/// belongs to every netdev of that function (mlx4 and mana put several ports on one).
extension IRQNameScheme {
    /// `<purpose>@pci:<BDF>` and `<purpose>@<BDF>`.
    func classifyAtPCI(_ name: String) -> IRQNameMatch? {
        guard let at = name.lastIndex(of: "@") else { return nil }
        var address = name[name.index(after: at)...]
        if address.hasPrefix("pci:") { address = address.dropFirst(4) }
        guard PCIAddress.isValid(address) else { return nil }
        let device = DeviceReference.pci(String(address))
        let head = name[..<at]
        func match(_ role: IRQRole, _ scheme: String) -> IRQNameMatch { IRQNameMatch(device: device, role: role, scheme: scheme) }

        // drivers/net/ethernet/mellanox/mlx5/core/pci_irq.c, irq_set_name + mlx5_irq_alloc:
        // "mlx5_comp%d" (completion vector N, channel N) or "mlx5_async", then "%s@pci:%s".
        if let n = head.number(after: "mlx5_comp") { return match(.queue(.combined, n), "mlx5") }
        if head.hasPrefix("mlx5_") { return match(.misc(String(head)), "mlx5") }

        // drivers/net/ethernet/mellanox/mlx4/eq.c, mlx4_init_eq_table (before 4.x):
        // "mlx4-comp-%d@pci:%s" completion vector N, "mlx4-async@pci:%s". Later kernels,
        // mlx4_assign_eq: "mlx4-%d@%s" with the EQ number, where EQ 0 is the async one
        // (MLX4_EQ_ASYNC), so EQ N is completion vector N - 1. mlx4_en spreads each port's rings
        // over these by ring number (shared-EQ mode, and as a port's own EQs in order), so the
        // vector's number is taken as the ring's; the netdev netlink family corrects it where
        // the kernel links NAPIs to IRQs.
        if let n = head.number(after: "mlx4-comp-") { return match(.queue(.combined, n), "mlx4") }
        if let eq = head.number(after: "mlx4-") {
            return match(eq >= 1 ? .queue(.combined, eq - 1) : .misc(String(head)), "mlx4")
        }
        if head.hasPrefix("mlx4-") { return match(.misc(String(head)), "mlx4") }

        // drivers/net/ethernet/microsoft/mana/gdma_main.c, mana_gd_setup_irqs: MSI-X 0 is the
        // hardware channel "mana_hwc@pci:%s"; MSI-X i >= 1 is "mana_q%d@pci:%s" with i - 1.
        // mana_en.c, mana_create_eq: EQ i sits on MSI-X (i + 1) % num_msix_usable and queue i of
        // every port completes on EQ i, so mana_qN serves rx/tx N of each port of the function.
        if let n = head.number(after: "mana_q") { return match(.queue(.combined, n), "mana") }
        if head == "mana_hwc" { return match(.misc("management"), "mana") }

        // drivers/net/ethernet/google/gve/gve_main.c, gve_alloc_notify_blocks:
        // "gve-ntfy-blk%d@pci:%s" and "gve-mgmnt@pci:%s". Which blocks are tx and which rx
        // follows from the whole set (IRQVectorNumbering).
        if let block = head.number(after: "gve-ntfy-blk") { return notificationBlock(block, of: device) }
        if head == "gve-mgmnt" { return match(.misc("management"), "gve") }

        // drivers/net/ethernet/amazon/ena/ena_netdev.c, ena_setup_mgmnt_intr: "ena-mgmnt@pci:%s".
        if head.hasPrefix("ena-") { return match(.misc(String(head)), "ena") }
        return match(.device, "driver@pci")
    }

    /// gve's notification block `block`, whose tx or rx role waits for the device's other names.
    func notificationBlock(_ block: Int, of device: DeviceReference) -> IRQNameMatch {
        var match = IRQNameMatch(device: device, role: .misc("ntfy-blk\(block)"), scheme: "gve")
        match.notificationBlock = block
        return match
    }

    /// drivers/net/ethernet/hisilicon/hns3/hns3_enet.c, hns3_nic_init_irq:
    /// "%s-%s-%s-%d" of hns3_driver_name ("hns3"), pci_name, "TxRx" | "Rx" | "Tx" and a counter.
    /// The TxRx counter is incremented twice per vector (`txrx_int_idx++` in the call and again
    /// after it), so TxRx-0, -2, -4 are the vectors of queue pairs 0, 1, 2
    /// (hns3_nic_init_vector_data puts tx and rx ring i on vector i). The misc vector is
    /// hclge_main.c/hclgevf_main.c "%s-misc-%s" of "hclge" or "hclgevf" and pci_name.
    func classifyHNS3(_ name: String) -> IRQNameMatch? {
        if name.hasPrefix("hclge-misc-") || name.hasPrefix("hclgevf-misc-") {
            let address = name[name.index(after: name.lastIndex(of: "-") ?? name.startIndex)...]
            guard PCIAddress.isValid(address) else { return nil }
            return IRQNameMatch(device: .pci(String(address)), role: .misc("misc"), scheme: "hns3")
        }
        guard name.hasPrefix("hns3-") else { return nil }
        let rest = name.dropFirst(5)
        let address = rest.prefix { $0 != "-" }
        guard PCIAddress.isValid(address) else { return nil }
        let vector = rest.dropFirst(address.count)
        let role: IRQRole
        if let counter = vector.number(after: "-TxRx-") {
            role = counter.isMultiple(of: 2) ? .queue(.combined, counter / 2) : .misc("TxRx-\(counter)")
        } else if let counter = vector.number(after: "-Rx-") {
            role = .queue(.rx, counter)
        } else if let counter = vector.number(after: "-Tx-") {
            role = .queue(.tx, counter)
        } else {
            return nil
        }
        return IRQNameMatch(device: .pci(String(address)), role: role, scheme: "hns3")
    }

    /// After an `i40e-`/`ice-` prefix: `eth0-TxRx-3`, `0000:01:00.0:fdir-TxRx-0`, `0000:01:00.0:misc`.
    /// The misc vector is "%s-%s:misc" of dev_driver_string and dev_name (i40e_main.c i40e_probe,
    /// ice_main.c ice_req_irq_msix_misc); queue vectors put the driver before the netdev name.
    func classifyDriverPrefixed(_ rest: Substring, driver: String) -> IRQNameMatch? {
        if let colon = rest.lastIndex(of: ":"), PCIAddress.isValid(rest[..<colon]) {
            let device = DeviceReference.pci(String(rest[..<colon]))
            let purpose = rest[rest.index(after: colon)...]
            if let n = purpose.number(after: "fdir-TxRx-") {
                return IRQNameMatch(device: device, role: .flowDirector(n), scheme: driver)
            }
            return IRQNameMatch(device: device, role: .misc(String(purpose)), scheme: driver)
        }
        guard var match = classifyInterfaceNamed(String(rest)) else { return nil }
        match.scheme = driver
        return match
    }
}
