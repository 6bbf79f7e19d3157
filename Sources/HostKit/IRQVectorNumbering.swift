/// Vector names whose queue depends on the device's other vector names or on its driver.
///
/// One name cannot say which queue `eth0-rx-1` is: igb counts rx vectors from 0, tg3 from 1
/// (vector 0 is the link vector there). Nor which queue gve's notification block 5 is: that
/// depends on how many blocks the device has. These passes read a device's names together,
/// and use the driver when sysfs tells it.
enum IRQVectorNumbering {
    static func apply(to vectors: inout [NamedVector]) {
        var byDevice: [DeviceReference: [Int]] = [:]
        for index in vectors.indices { byDevice[vectors[index].match.reference, default: []].append(index) }
        for members in byDevice.values {
            let driver = members.first { vectors[$0].driver != nil }.flatMap { vectors[$0].driver }
            splitNotificationBlocks(members, in: &vectors)
            renumberTG3(members, driver: driver, in: &vectors)
            halveHNS3Counters(members, driver: driver, in: &vectors)
        }
    }

    /// drivers/net/ethernet/google/gve/gve.h: gve_tx_idx_to_ntfy is the queue index and
    /// gve_rx_idx_to_ntfy is num_ntfy_blks / 2 + the queue index, and gve_alloc_notify_blocks
    /// requests a vector for every block (an even number). So with blocks 0..<N all named,
    /// block b < N/2 serves tx queue b and block b >= N/2 rx queue b - N/2. With a gap or an odd
    /// count the split is unknown and the role says so instead of guessing.
    private static func splitNotificationBlocks(_ members: [Int], in vectors: inout [NamedVector]) {
        let blocks = members.compactMap { index in vectors[index].match.notificationBlock.map { (index, $0) } }
        guard !blocks.isEmpty else { return }
        let numbers = Set(blocks.map(\.1))
        let count = numbers.count
        let complete = count == blocks.count && count.isMultiple(of: 2) && numbers.min() == 0 && numbers.max() == count - 1
        for (index, block) in blocks {
            if complete {
                vectors[index].match.role = block < count / 2 ? .queue(.tx, block) : .queue(.rx, block - count / 2)
            } else {
                vectors[index].match.role = .misc("ntfy-blk\(block) (tx or rx not known: blocks named \(count), not an even 0..n run)")
            }
        }
    }

    /// drivers/net/ethernet/broadcom/tg3.c: tg3_request_irq names vector `irq_num` after what
    /// tp->napi[irq_num] holds: "%s-txrx-%d" (rx and tx rings), "%s-tx-%d", "%s-rx-%d", "%s-%d"
    /// (neither). With RSS, tg3_mem_rx_acquire gives napi[0] no rx return ring ("vector 0 does not
    /// handle rx or tx interrupts"), so rx queue i is on vector i + 1; tg3_mem_tx_acquire starts tx
    /// rings at napi[1] under TSS, else tx ring 0 is on napi[0] (`eth0-tx-0`). Applied when the
    /// driver is tg3, or, from names alone, when the numbering proves it: rx or txrx vectors that
    /// start at 1 (igb and e1000e number theirs from 0 and stay as named).
    private static func renumberTG3(_ members: [Int], driver: String?, in vectors: inout [NamedVector]) {
        var firstRx: Int?
        var firstTxRx: Int?
        for index in members {
            let match = vectors[index].match
            switch (match.scheme, match.role) {
            case ("rx/tx", .queue(.rx, let n)): firstRx = min(firstRx ?? n, n)
            case ("txrx", .queue(.combined, let n)): firstTxRx = min(firstTxRx ?? n, n)
            default: break
            }
        }
        let provenByNames = (firstRx ?? 0) >= 1 || (firstTxRx ?? 0) >= 1
        guard driver.map({ $0 == "tg3" }) ?? provenByNames else { return }
        for index in members {
            var match = vectors[index].match
            switch (match.scheme, match.role) {
            case ("rx/tx", .queue(.rx, let n)) where n >= 1: match.role = .queue(.rx, n - 1)
            case ("rx/tx", .queue(.tx, _)): break
            case ("txrx", .queue(.combined, let n)) where n >= 1: match.role = .queue(.combined, n - 1)
            case ("dev-N", .queue(.combined, 0)): match.role = .misc("link")
            default: continue
            }
            match.scheme = "tg3"
            vectors[index].match = match
        }
    }

    /// drivers/net/ethernet/hisilicon/hns3/hns3_enet.c, hns3_nic_init_irq, when it still named
    /// vectors after the netdev ("%s-%s-%d" of the netdev, "TxRx" and txrx_int_idx): the counter
    /// is incremented twice per vector, so `eth0-TxRx-4` serves queue pair 2. Applied when the
    /// driver is hns3 or, from names alone, when every TxRx counter of the device is even and
    /// there are several (ixgbe and the others count 0, 1, 2...).
    private static func halveHNS3Counters(_ members: [Int], driver: String?, in vectors: inout [NamedVector]) {
        let counters = members.compactMap { index -> (Int, Int)? in
            let match = vectors[index].match
            guard match.scheme == "TxRx", case .queue(.combined, let n) = match.role else { return nil }
            return (index, n)
        }
        guard !counters.isEmpty else { return }
        let allEven = counters.allSatisfy { $0.1.isMultiple(of: 2) }
        guard allEven, driver.map({ $0 == "hns3" }) ?? (counters.count >= 2) else { return }
        for (index, counter) in counters {
            vectors[index].match.role = .queue(.combined, counter / 2)
            vectors[index].match.scheme = "hns3"
        }
    }
}
