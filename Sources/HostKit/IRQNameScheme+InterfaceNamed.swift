/// Names that carry the netdev name the driver saw when it requested the vector: `<dev><marker><n>`.
extension IRQNameScheme {
    /// Suffix schemes of the form `<dev><marker><n>`, most specific first.
    private static let suffixSchemes: [(marker: String, kind: QueueKind?, scheme: String)] = [
        // ixgbe, igb, igc, bnxt; hns3 before it named vectors by PCI address ("%s-%s-%d" of the
        // netdev, "TxRx" and a counter bumped twice per vector: see IRQVectorNumbering).
        ("-TxRx-", .combined, "TxRx"),
        ("-Tx-Rx-", .combined, "ena"),  // Amazon ENA
        ("-rxtx-", .combined, "rxtx"),  // vmxnet3, nfp
        // drivers/net/ethernet/broadcom/tg3.c, tg3_request_irq: "%s-txrx-%d", "%s-tx-%d",
        // "%s-rx-%d", "%s-%d" of the netdev and the vector number; renumbered in IRQVectorNumbering.
        ("-txrx-", .combined, "txrx"),
        ("-fp-", .combined, "fp"),  // bnx2x, qede (Broadcom/QLogic fast path)
        // igb, e1000e, vmxnet3, qlge; qlcnic_main.c, qlcnic_request_irq: "%s-rx-%d" per status
        // (receive) ring and "%s-tx-%d" per tx ring when tx has its own vectors.
        ("-rx-", .rx, "rx/tx"),
        ("-tx-", .tx, "rx/tx"),
        ("-event-", nil, "vmxnet3"),  // vmxnet3 event vector
        ("-q", .combined, "be2net"),  // Emulex be2net: `eth0-q3`
    ]

    /// `<dev>-TxRx-<n>` and the other suffix schemes, then `<dev>-<n>`, `<dev>[<n>]`, `<dev>`.
    func classifyInterfaceNamed(_ name: String) -> IRQNameMatch? {
        if let match = classifyQLogicPair(name) { return match }
        if let match = classifyOldGVE(name) { return match }
        for (marker, kind, scheme) in Self.suffixSchemes {
            guard let range = name.lastRange(of: marker) else { continue }
            let device = name[..<range.lowerBound]
            guard let n = name[range.upperBound...].decimalValue, isInterfaceName(device) else { continue }
            let role: IRQRole = kind.map { .queue($0, n) } ?? .misc(String(marker.dropFirst().dropLast()) + "-\(n)")
            return IRQNameMatch(device: .interface(String(device)), role: role, scheme: scheme)
        }
        // bnx2, tg3, sfc, and mlx4_en on older kernels (rx rings on pool vectors): `<dev>-<n>`.
        if let dash = name.lastIndex(of: "-"), let n = name[name.index(after: dash)...].decimalValue {
            let device = name[..<dash]
            if isInterfaceName(device) { return IRQNameMatch(device: .interface(String(device)), role: .queue(.combined, n), scheme: "dev-N") }
        }
        if let match = classifyBracketed(name) { return match }
        if isInterfaceName(name) { return IRQNameMatch(device: .interface(name), role: .device, scheme: "device") }
        return nil
    }

    /// drivers/net/ethernet/qlogic/qlcnic/qlcnic_main.c, qlcnic_request_irq: on 82xx adapters
    /// without a tx vector per ring, the last status ring also completes tx ring 0 and is named
    /// "%s-tx-0-rx-%d" (netdev, ring). Read as `<dev>-tx-<m>-rx-<n>`: receive queue n and
    /// transmit queue m on one vector, not an interface called `eth0-tx-0`.
    private func classifyQLogicPair(_ name: String) -> IRQNameMatch? {
        guard let rxMarker = name.lastRange(of: "-rx-"), let rx = name[rxMarker.upperBound...].decimalValue else { return nil }
        let head = name[..<rxMarker.lowerBound]
        guard let txMarker = head.lastRange(of: "-tx-"), let tx = head[txMarker.upperBound...].decimalValue else { return nil }
        let device = head[..<txMarker.lowerBound]
        guard isInterfaceName(device) else { return nil }
        return IRQNameMatch(device: .interface(String(device)), role: .queuePair(rx: rx, tx: tx), scheme: "qlcnic")
    }

    /// drivers/net/ethernet/google/gve/gve_main.c, gve_alloc_notify_blocks before 2023:
    /// "%s-ntfy-block.%d" and "%s-mgmnt" of the netdev name.
    private func classifyOldGVE(_ name: String) -> IRQNameMatch? {
        if let marker = name.lastRange(of: "-ntfy-block."), let block = name[marker.upperBound...].decimalValue {
            let device = name[..<marker.lowerBound]
            guard isInterfaceName(device) else { return nil }
            return notificationBlock(block, of: .interface(String(device)))
        }
        if name.hasSuffix("-mgmnt") {
            let device = name.dropLast(6)
            guard isInterfaceName(device) else { return nil }
            return IRQNameMatch(device: .interface(String(device)), role: .misc("management"), scheme: "gve")
        }
        return nil
    }

    /// drivers/net/ethernet/qlogic/netxen/netxen_nic_main.c, netxen_nic_request_irq (and early
    /// qlcnic): "%s[%d]" of the netdev and the status ring. A status ring is a receive ring;
    /// netxen_nic_poll completes the one tx ring from every ring's poll, so the vector is rx-N.
    /// qlcnic_83xx_hw.c, qlcnic_83xx_setup_mbx_intr (before "qlcnic-MB"): "%s[%s]" with "aen" is the
    /// mailbox/async event vector.
    private func classifyBracketed(_ name: String) -> IRQNameMatch? {
        guard name.hasSuffix("]"), let open = name.lastIndex(of: "[") else { return nil }
        let device = name[..<open]
        let inside = name[name.index(after: open)..<name.index(before: name.endIndex)]
        guard isInterfaceName(device) else { return nil }
        if let n = inside.decimalValue { return IRQNameMatch(device: .interface(String(device)), role: .queue(.rx, n), scheme: "netxen") }
        if inside == "aen" { return IRQNameMatch(device: .interface(String(device)), role: .misc("aen"), scheme: "qlcnic") }
        return nil
    }
}
