import HostKit

/// Per-queue packet counters read out of a driver's `ethtool -S` statistics, for drivers (and
/// kernels) that do not answer the netdev family's QSTATS_GET.
///
/// Every driver names its queue counters its own way. The schemes recognised, with the drivers
/// that use them (as their `get_strings` callbacks write them):
///
/// | scheme                                    | drivers |
/// |-------------------------------------------|---------|
/// | `rx_queue_N_packets`, `tx_queue_N_packets` | virtio_net before 6.10, igb, igc, ixgbe, ixgbevf, ice, hv_netvsc, txgbe, ifb |
/// | `rx-N.packets`, `tx-N.packets`             | i40e, iavf |
/// | `rx-N.rx_packets`, `tx-N.tx_packets`       | sfc (Solarflare) |
/// | `rxN_packets`, `txN_packets`               | mlx5, mlx4, ibmvnic, ibmveth |
/// | `queue_N_rx_cnt`, `queue_N_tx_cnt`         | ena (`queue_N_xdp_tx_cnt` is an XDP ring, not counted) |
/// | `[N]: rx_ucast_packets` + `mcast` + `bcast` | bnxt_en (ring N; summed per ring) |
/// | `rxqN_packets`, `txqN_packets`             | hns3 |
/// | `rx_q-N_pkts`, `tx_q-N_pkts`               | Intel's out-of-tree ice |
/// | `rvec_N_rx_pkts`, `rvec_N_tx_pkts`         | nfp |
/// | `Rx Queue#` / `Tx Queue#` sections, `ucast`+`mcast`+`bcast pkts rx/tx` | vmxnet3 |
///
/// A name must match a scheme exactly, so XDP counters (`rx_queue_0_xdp_packets` of veth,
/// `rx0_xdp_packets` of virtio_net 6.10+) are never taken for packet counts. veth has no
/// per-queue packet statistics at all (only XDP ones, beside `peer_ifindex`), and virtio_net
/// from 6.10 keeps its per-queue packets in QSTATS_GET only; for both this finds nothing.
public enum EthtoolQueueStatistics {
    /// The packets per rx and tx queue that `statistics` (`ethtool -S`, in driver order) carry,
    /// or nil when no scheme recognises any of its names.
    public static func packetCounters(_ statistics: [(name: String, value: UInt64)]) -> QueuePacketCounters? {
        EthtoolQueueCounterLayout(names: statistics.map(\.name))?.counters(values: statistics.map(\.value))
    }
}

/// Where each queue's packet counters sit among a driver's statistics: worked out once from the
/// names, then applied to every new reading of the values (which keep the names' order).
struct EthtoolQueueCounterLayout: Sendable, Equatable {
    enum Scheme: String, Sendable, CaseIterable {
        case queueUnderscore = "rx_queue_N_packets"
        case dashDot = "rx-N.packets"
        case sfc = "rx-N.rx_packets"
        case compact = "rxN_packets"
        case ena = "queue_N_rx_cnt"
        case bnxt = "[N]: rx_ucast_packets"
        case hns3 = "rxqN_packets"
        case intelOutOfTree = "rx_q-N_pkts"
        case nfp = "rvec_N_rx_pkts"
        case vmxnet3 = "Rx Queue#"
    }

    /// Statistic `statistic` counts packets of queue `queue`; several slots of one queue add up.
    struct Slot: Sendable, Equatable {
        var statistic: Int
        var kind: NetdevQueue.Kind
        var queue: Int
    }

    var scheme: Scheme
    var slots: [Slot]

    /// The scheme that recognises the most names, or nil when none recognises any.
    init?(names: [String]) {
        var best: (scheme: Scheme, slots: [Slot])?
        for scheme in Scheme.allCases {
            let slots = Self.slots(scheme, names)
            if !slots.isEmpty, slots.count > (best?.slots.count ?? 0) {
                best = (scheme, slots)
            }
        }
        guard let best else { return nil }
        scheme = best.scheme
        slots = best.slots
    }

    func counters(values: [UInt64]) -> QueuePacketCounters {
        var rx: [Int: UInt64] = [:]
        var tx: [Int: UInt64] = [:]
        for slot in slots where slot.statistic < values.count {
            let value = values[slot.statistic]
            switch slot.kind {
            case .rx: rx[slot.queue, default: 0] &+= value
            case .tx: tx[slot.queue, default: 0] &+= value
            }
        }
        return QueuePacketCounters(source: .ethtoolStatistics, rx: rx, tx: tx)
    }

    // MARK: Schemes

    private static func slots(_ scheme: Scheme, _ names: [String]) -> [Slot] {
        switch scheme {
        case .queueUnderscore:
            simple(names, rx: ("rx_queue_", "_packets"), tx: ("tx_queue_", "_packets"))
        case .dashDot:
            simple(names, rx: ("rx-", ".packets"), tx: ("tx-", ".packets"))
        case .sfc:
            simple(names, rx: ("rx-", ".rx_packets"), tx: ("tx-", ".tx_packets"))
        case .compact:
            simple(names, rx: ("rx", "_packets"), tx: ("tx", "_packets"))
        case .ena:
            simple(names, rx: ("queue_", "_rx_cnt"), tx: ("queue_", "_tx_cnt"))
        case .hns3:
            simple(names, rx: ("rxq", "_packets"), tx: ("txq", "_packets"))
        case .intelOutOfTree:
            simple(names, rx: ("rx_q-", "_pkts"), tx: ("tx_q-", "_pkts"))
        case .nfp:
            simple(names, rx: ("rvec_", "_rx_pkts"), tx: ("rvec_", "_tx_pkts"))
        case .bnxt:
            bnxt(names)
        case .vmxnet3:
            vmxnet3(names)
        }
    }

    /// One counter per queue, named prefix + queue number + suffix.
    private static func simple(
        _ names: [String], rx: (prefix: String, suffix: String), tx: (prefix: String, suffix: String)
    ) -> [Slot] {
        names.enumerated().compactMap { index, name in
            if let queue = number(in: name, prefix: rx.prefix, suffix: rx.suffix) {
                return Slot(statistic: index, kind: .rx, queue: queue)
            }
            if let queue = number(in: name, prefix: tx.prefix, suffix: tx.suffix) {
                return Slot(statistic: index, kind: .tx, queue: queue)
            }
            return nil
        }
    }

    /// bnxt counts unicast, multicast and broadcast packets apiece, per completion ring `[N]`.
    /// With combined channels ring N carries rx queue N and tx queue N; with separate rx and tx
    /// channels the tx rings are numbered after the rx rings. Either way the k-th ring that has
    /// rx (tx) counters is rx (tx) queue k.
    private static func bnxt(_ names: [String]) -> [Slot] {
        let kinds: [(NetdevQueue.Kind, [String])] = [
            (.rx, ["]: rx_ucast_packets", "]: rx_mcast_packets", "]: rx_bcast_packets"]),
            (.tx, ["]: tx_ucast_packets", "]: tx_mcast_packets", "]: tx_bcast_packets"]),
        ]
        var found: [(statistic: Int, kind: NetdevQueue.Kind, ring: Int)] = []
        for (index, name) in names.enumerated() {
            search: for (kind, suffixes) in kinds {
                for suffix in suffixes {
                    if let ring = number(in: name, prefix: "[", suffix: suffix) {
                        found.append((index, kind, ring))
                        break search
                    }
                }
            }
        }
        var rank: [NetdevQueue.Kind: [Int: Int]] = [:]
        for kind in [NetdevQueue.Kind.rx, .tx] {
            let rings = Set(found.filter { $0.kind == kind }.map(\.ring)).sorted()
            rank[kind] = Dictionary(uniqueKeysWithValues: rings.enumerated().map { ($1, $0) })
        }
        return found.map { Slot(statistic: $0.statistic, kind: $0.kind, queue: rank[$0.kind]![$0.ring]!) }
    }

    /// vmxnet3 writes a `Tx Queue#` (`Rx Queue#`) entry before each queue's counters, whose
    /// names carry no number; the k-th section is queue k. Its packet counts are unicast +
    /// multicast + broadcast, as the driver's own rx_packets/tx_packets add them.
    private static func vmxnet3(_ names: [String]) -> [Slot] {
        let counters: [String: NetdevQueue.Kind] = [
            "ucast pkts rx": .rx, "mcast pkts rx": .rx, "bcast pkts rx": .rx,
            "ucast pkts tx": .tx, "mcast pkts tx": .tx, "bcast pkts tx": .tx,
        ]
        var sections: [NetdevQueue.Kind: Int] = [:]
        var current: (kind: NetdevQueue.Kind, queue: Int)?
        var slots: [Slot] = []
        for (index, name) in names.enumerated() {
            let trimmed = name.trimmingSpaces()
            let header: NetdevQueue.Kind? =
                switch trimmed {
                case "Rx Queue#": .rx
                case "Tx Queue#": .tx
                default: nil
                }
            if let header {
                let queue = sections[header, default: 0]
                sections[header] = queue + 1
                current = (header, queue)
            } else if let current, counters[trimmed] == current.kind {
                slots.append(Slot(statistic: index, kind: current.kind, queue: current.queue))
            }
        }
        return slots
    }

    /// The queue number when `name` is exactly `prefix`, 1 to 6 decimal digits, `suffix`.
    static func number(in name: String, prefix: String, suffix: String) -> Int? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        let bytes = name.utf8
        let start = prefix.utf8.count
        let length = bytes.count - suffix.utf8.count - start
        guard (1...6).contains(length) else { return nil }
        var value = 0
        for byte in bytes.dropFirst(start).prefix(length) {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}

/// The names ETHTOOL_GSTRINGS returns: 32-byte fields, each NUL-padded (a 32-byte name has no
/// NUL at all).
enum EthtoolStatisticNames {
    static func decode(_ block: [UInt8]) -> [String] {
        let length = EthtoolIoctl.stringLength
        return stride(from: 0, to: block.count - block.count % length, by: length).map { start in
            let field = block[start..<(start + length)]
            return String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

extension String {
    /// Without leading and trailing spaces (vmxnet3 indents its per-queue names).
    fileprivate func trimmingSpaces() -> String {
        let characters = Substring(self).drop { $0 == " " }
        return String(characters.reversed().drop { $0 == " " }.reversed())
    }
}
