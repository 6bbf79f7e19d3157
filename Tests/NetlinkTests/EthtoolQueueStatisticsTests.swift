import CMTuneTestSupport
import HostKit
import Testing

@testable import Netlink

/// Per-queue packet counters out of `ethtool -S` names, per driver, without a kernel.
///
/// The name lists follow each driver's `get_strings` callback (Linux 5.x-6.x; abridged where a
/// driver has hundreds of port-wide counters), and the veth and virtio_net lists are what this
/// project's CI machine prints. Values are made distinct so a wrong mapping shows.
@Suite struct EthtoolQueueStatisticsTests {
    /// The statistics with value i+1 for the i-th name, as a fresh `ethtool -S` would pair them.
    static func numbered(_ names: [String]) -> [(name: String, value: UInt64)] {
        names.enumerated().map { (name: $1, value: UInt64($0 + 1)) }
    }

    /// The value `numbered` gave `name`.
    static func value(of name: String, in names: [String]) -> UInt64 {
        UInt64(names.firstIndex(of: name)! + 1)
    }

    static func counters(_ names: [String]) throws -> QueuePacketCounters {
        try #require(EthtoolQueueStatistics.packetCounters(numbered(names)))
    }

    static func scheme(_ names: [String]) -> EthtoolQueueCounterLayout.Scheme? {
        EthtoolQueueCounterLayout(names: names)?.scheme
    }

    @Test func virtioNetBefore610CountsRxQueueNPackets() throws {
        var names: [String] = []
        for queue in 0..<2 {
            names += ["packets", "bytes", "drops", "xdp_packets", "xdp_tx", "xdp_redirects", "xdp_drops", "kicks"]
                .map { "rx_queue_\(queue)_\($0)" }
        }
        for queue in 0..<2 {
            names += ["packets", "bytes", "xdp_tx", "xdp_tx_drops", "kicks", "tx_timeouts"]
                .map { "tx_queue_\(queue)_\($0)" }
        }
        let counters = try Self.counters(names)
        #expect(counters.source == .ethtoolStatistics)
        #expect(
            counters.rx == [
                0: Self.value(of: "rx_queue_0_packets", in: names), 1: Self.value(of: "rx_queue_1_packets", in: names),
            ])
        #expect(
            counters.tx == [
                0: Self.value(of: "tx_queue_0_packets", in: names), 1: Self.value(of: "tx_queue_1_packets", in: names),
            ])
        #expect(Self.scheme(names) == .queueUnderscore)
    }

    @Test func virtioNetFrom610HasNoPerQueuePacketNamesOnlyXDPOnes() {
        // What this project's CI VM (virtio_net, Linux 6.18) prints: packets moved to QSTATS_GET.
        let names = [
            "rx_drops", "rx_xdp_packets", "rx_xdp_tx", "rx_xdp_redirects", "rx_xdp_drops", "rx_kicks", "tx_xdp_tx",
            "tx_xdp_tx_drops", "tx_kicks", "tx_tx_timeouts", "rx0_drops", "rx0_xdp_packets", "rx0_xdp_tx",
            "rx0_xdp_redirects", "rx0_xdp_drops", "rx0_kicks", "tx0_xdp_tx", "tx0_xdp_tx_drops", "tx0_kicks",
            "tx0_tx_timeouts",
        ]
        #expect(EthtoolQueueStatistics.packetCounters(Self.numbered(names)) == nil)
    }

    @Test func igbCountsQueuesButNotThePortWideTotals() throws {
        let names =
            ["rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_broadcast", "tx_broadcast", "rx_multicast"]
            + (0..<2).flatMap { ["tx_queue_\($0)_packets", "tx_queue_\($0)_bytes", "tx_queue_\($0)_restart"] }
            + (0..<2).flatMap { queue in
                ["packets", "bytes", "drops", "csum_err", "alloc_failed"].map { "rx_queue_\(queue)_\($0)" }
            }
        let counters = try Self.counters(names)
        #expect(counters.rx.keys.sorted() == [0, 1])
        #expect(counters.tx.keys.sorted() == [0, 1])
        #expect(counters.rx[1] == Self.value(of: "rx_queue_1_packets", in: names))
        #expect(!counters.rx.values.contains(Self.value(of: "rx_packets", in: names)))
    }

    @Test func ixgbeSkipsPacketBufferCountersThatLookLikeQueues() throws {
        let names =
            ["rx_packets", "tx_packets", "fdir_match", "fdir_miss", "os2bmc_rx_by_bmc"]
            + (0..<4).flatMap { ["tx_queue_\($0)_packets", "tx_queue_\($0)_bytes"] }
            + (0..<4).flatMap { ["rx_queue_\($0)_packets", "rx_queue_\($0)_bytes"] }
            + (0..<8).flatMap { ["tx_pb_\($0)_pxon", "tx_pb_\($0)_pxoff", "rx_pb_\($0)_pxon", "rx_pb_\($0)_pxoff"] }
        let counters = try Self.counters(names)
        #expect(counters.rx.count == 4)
        #expect(counters.tx.count == 4)
        #expect(counters.tx[3] == Self.value(of: "tx_queue_3_packets", in: names))
    }

    @Test func hypervNetvscIgnoresVFAndPerCPUCounters() throws {
        let names =
            ["tx_scattered", "tx_no_memory", "vf_rx_packets", "vf_rx_bytes", "vf_tx_packets", "vf_tx_bytes"]
            + (0..<2).flatMap { queue in
                [
                    "tx_queue_\(queue)_packets", "tx_queue_\(queue)_bytes", "tx_queue_\(queue)_xdp_xmit",
                    "rx_queue_\(queue)_packets", "rx_queue_\(queue)_bytes", "rx_queue_\(queue)_xdp_drop",
                ]
            }
            + ["cpu0_rx_packets", "cpu0_rx_bytes", "cpu0_tx_packets", "cpu0_tx_bytes", "cpu0_vf_rx_packets"]
        let counters = try Self.counters(names)
        #expect(
            counters.rx == [
                0: Self.value(of: "rx_queue_0_packets", in: names), 1: Self.value(of: "rx_queue_1_packets", in: names),
            ])
        #expect(counters.tx.count == 2)
    }

    @Test func i40eAndIavfUseDashAndDot() throws {
        let names =
            ["rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "rx_unicast", "tx_unicast"]
            + (0..<3).flatMap { ["tx-\($0).packets", "tx-\($0).bytes", "rx-\($0).packets", "rx-\($0).bytes"] }
            + ["veb.rx_bytes", "port.rx_bytes", "port.tx_priority_0_xon_tx", "port.rx_priority_0_xon_rx"]
        let counters = try Self.counters(names)
        #expect(Self.scheme(names) == .dashDot)
        #expect(
            counters.rx
                == Dictionary(uniqueKeysWithValues: (0..<3).map { ($0, Self.value(of: "rx-\($0).packets", in: names)) })
        )
        #expect(counters.tx[2] == Self.value(of: "tx-2.packets", in: names))
    }

    @Test func sfcRepeatsTheDirectionAfterTheDot() throws {
        let names =
            ["rx_noskb_drops", "rx_nodesc_trunc", "port_rx_packets", "port_tx_packets"]
            + (0..<2).flatMap { ["tx-\($0).tx_packets"] } + (0..<2).flatMap { ["rx-\($0).rx_packets"] }
        let counters = try Self.counters(names)
        #expect(Self.scheme(names) == .sfc)
        #expect(counters.rx[1] == Self.value(of: "rx-1.rx_packets", in: names))
        #expect(counters.tx[0] == Self.value(of: "tx-0.tx_packets", in: names))
    }

    @Test func mlx5CountsRxNPacketsButNotXDPOrTSOCounters() throws {
        let names =
            ["rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "tx_tso_packets", "rx_xdp_drop", "rx_xsk_packets"]
            + (0..<2).flatMap { channel in
                [
                    "packets", "bytes", "csum_complete", "csum_unnecessary", "xdp_drop", "xdp_redirect",
                    "xdp_tx_xmit", "xdp_tx_full", "xsk_packets",
                ].map { "rx\(channel)_\($0)" }
            }
            + (0..<2).flatMap { queue in
                ["packets", "bytes", "tso_packets", "tso_bytes", "xdp_xmit", "stopped", "wake"].map {
                    "tx\(queue)_\($0)"
                }
            }
            + ["ch0_events", "ch0_poll", "ch1_events", "ptp_cq0_abort"]
        let counters = try Self.counters(names)
        #expect(Self.scheme(names) == .compact)
        #expect(
            counters.rx == [0: Self.value(of: "rx0_packets", in: names), 1: Self.value(of: "rx1_packets", in: names)])
        #expect(
            counters.tx == [0: Self.value(of: "tx0_packets", in: names), 1: Self.value(of: "tx1_packets", in: names)])
    }

    @Test func enaCountsCntAndLeavesXDPRingsOut() throws {
        let tx = ["cnt", "bytes", "queue_stop", "queue_wakeup", "dma_mapping_err", "linearize", "napi_comp", "tx_poll"]
        let rx = ["cnt", "bytes", "rx_copybreak_pkt", "csum_good", "refil_partial", "bad_csum", "page_alloc_fail"]
        let names =
            [
                "tx_timeout", "suspend", "resume", "wd_expired", "interface_up", "interface_down", "admin_q_pause",
                "bw_in_allowance_exceeded", "pps_allowance_exceeded",
            ]
            + (0..<2).flatMap { queue in tx.map { "queue_\(queue)_tx_\($0)" } + rx.map { "queue_\(queue)_rx_\($0)" } }
            // An XDP TX ring follows the I/O queues and has no rx side.
            + tx.map { "queue_2_xdp_tx_\($0)" }
            + ["ena_admin_q_aborted_cmd", "ena_admin_q_submitted_cmd", "ena_admin_q_completed_cmd"]
        let counters = try Self.counters(names)
        #expect(Self.scheme(names) == .ena)
        #expect(
            counters.rx == [
                0: Self.value(of: "queue_0_rx_cnt", in: names), 1: Self.value(of: "queue_1_rx_cnt", in: names),
            ])
        #expect(
            counters.tx == [
                0: Self.value(of: "queue_0_tx_cnt", in: names), 1: Self.value(of: "queue_1_tx_cnt", in: names),
            ])
    }

    static let bnxtRx = [
        "rx_ucast_packets", "rx_mcast_packets", "rx_bcast_packets", "rx_discards", "rx_errors", "rx_ucast_bytes",
        "rx_mcast_bytes", "rx_bcast_bytes",
    ]
    static let bnxtTx = [
        "tx_ucast_packets", "tx_mcast_packets", "tx_bcast_packets", "tx_errors", "tx_discards", "tx_ucast_bytes",
        "tx_mcast_bytes", "tx_bcast_bytes",
    ]
    static let bnxtPort = ["rx_64b_frames", "rx_ucast_frames", "rx_total_discard_pkts", "tx_ucast_frames"]

    @Test func bnxtAddsUnicastMulticastAndBroadcastPerRing() throws {
        // Combined channels: every ring carries one rx and one tx queue.
        let names =
            (0..<2).flatMap { ring in
                (Self.bnxtRx + Self.bnxtTx + ["tpa_packets", "tpa_bytes", "rx_l4_csum_errors"]).map {
                    "[\(ring)]: \($0)"
                }
            } + Self.bnxtPort
        let counters = try Self.counters(names)
        #expect(Self.scheme(names) == .bnxt)
        for ring in 0..<2 {
            let rx = ["rx_ucast_packets", "rx_mcast_packets", "rx_bcast_packets"]
                .map { Self.value(of: "[\(ring)]: \($0)", in: names) }.reduce(0, +)
            let tx = ["tx_ucast_packets", "tx_mcast_packets", "tx_bcast_packets"]
                .map { Self.value(of: "[\(ring)]: \($0)", in: names) }.reduce(0, +)
            #expect(counters.rx[ring] == rx)
            #expect(counters.tx[ring] == tx)
        }
    }

    @Test func bnxtWithSeparateRxAndTxRingsNumbersTxQueuesFromZero() throws {
        // `ethtool -L rx 2 tx 2`: rings 0-1 are rx only, rings 2-3 tx only.
        let names =
            (0..<2).flatMap { ring in Self.bnxtRx.map { "[\(ring)]: \($0)" } }
            + (2..<4).flatMap { ring in Self.bnxtTx.map { "[\(ring)]: \($0)" } }
        let counters = try Self.counters(names)
        #expect(counters.rx.keys.sorted() == [0, 1])
        #expect(counters.tx.keys.sorted() == [0, 1])
        let ring3 = ["tx_ucast_packets", "tx_mcast_packets", "tx_bcast_packets"]
            .map { Self.value(of: "[3]: \($0)", in: names) }.reduce(0, +)
        #expect(counters.tx[1] == ring3)
    }

    @Test func hns3CountsTxqNPacketsNotTheFirmwareRecordCounters() throws {
        let names =
            (0..<2).flatMap { queue in
                ["dropped", "seg_pkt_cnt", "packets", "bytes", "more", "push", "wake", "busy"].map {
                    "txq\(queue)_\($0)"
                }
            }
            + (0..<2).flatMap { queue in
                ["dropped", "lro_pkt_cnt", "packets", "bytes", "errors", "csum_err"].map { "rxq\(queue)_\($0)" }
            }
            + [
                "mac_tx_mac_pause_num", "mac_rx_mac_pause_num", "txq0_pktnum_rcd", "txq1_pktnum_rcd",
                "rxq0_pktnum_rcd", "rxq1_pktnum_rcd",
            ]
        let counters = try Self.counters(names)
        #expect(Self.scheme(names) == .hns3)
        #expect(counters.rx[1] == Self.value(of: "rxq1_packets", in: names))
        #expect(counters.tx[0] == Self.value(of: "txq0_packets", in: names))
    }

    @Test func intelOutOfTreeIceAndNfpHaveTheirOwnForms() throws {
        let ice =
            ["rx_bytes.nic", "tx_bytes.nic"]
            + (0..<2).flatMap { ["tx_q-\($0)_pkts", "tx_q-\($0)_bytes"] }
            + (0..<2).flatMap { ["rx_q-\($0)_pkts", "rx_q-\($0)_bytes"] }
        #expect(Self.scheme(ice) == .intelOutOfTree)
        #expect(try Self.counters(ice).rx[1] == Self.value(of: "rx_q-1_pkts", in: ice))

        let nfp =
            ["rx_packets", "tx_packets"]
            + (0..<2).flatMap { ["rvec_\($0)_rx_pkts", "rvec_\($0)_tx_pkts", "rvec_\($0)_tx_busy"] }
            + ["hw_rx_csum_ok", "hw_rx_csum_inner_ok", "hw_tx_csum"]
        #expect(Self.scheme(nfp) == .nfp)
        #expect(try Self.counters(nfp).tx[1] == Self.value(of: "rvec_1_tx_pkts", in: nfp))
    }

    @Test func vmxnet3SectionsNumberQueuesInOrderAndAddCastTypes() throws {
        let txQueue = [
            "Tx Queue#", "  TSO pkts tx", "  TSO bytes tx", "  ucast pkts tx", "  ucast bytes tx", "  mcast pkts tx",
            "  mcast bytes tx", "  bcast pkts tx", "  bcast bytes tx", "  pkts tx err", "  pkts tx discard",
            "  drv dropped tx total", "     too many frags", "  ring full",
        ]
        let rxQueue = [
            "Rx Queue#", "  LRO pkts rx", "  LRO byte rx", "  ucast pkts rx", "  ucast bytes rx", "  mcast pkts rx",
            "  mcast bytes rx", "  bcast pkts rx", "  bcast bytes rx", "  pkts rx OOB", "  pkts rx err",
            "  drv dropped rx total", "     err", "     fcs",
        ]
        let names = txQueue + txQueue + ["tx timeout count"] + rxQueue + rxQueue + ["rx buf alloc fail"]
        let counters = try Self.counters(names)
        #expect(Self.scheme(names) == .vmxnet3)
        #expect(counters.tx.keys.sorted() == [0, 1])
        #expect(counters.rx.keys.sorted() == [0, 1])
        // Queue 1's rx section starts at the second "Rx Queue#".
        let start = names.indices.filter { names[$0] == "Rx Queue#" }[1]
        let expected = ["  ucast pkts rx", "  mcast pkts rx", "  bcast pkts rx"]
            .map { name in UInt64(names[start...].firstIndex(of: name)! + 1) }.reduce(0, +)
        #expect(counters.rx[1] == expected)
    }

    @Test func vethHasOnlyXDPQueueCountersSoNothingIsRecognised() {
        // `ethtool -S v0` of a 2-queue veth (Linux 6.18): per-queue XDP counters and peer_ifindex.
        var names = ["peer_ifindex"]
        for queue in 0..<2 {
            names += ["xdp_packets", "xdp_bytes", "drops", "xdp_redirect", "xdp_drops", "xdp_tx", "xdp_tx_errors"]
                .map { "rx_queue_\(queue)_\($0)" }
        }
        for queue in 0..<2 {
            names += ["tx_queue_\(queue)_xdp_xmit", "tx_queue_\(queue)_xdp_xmit_errors"]
        }
        #expect(EthtoolQueueStatistics.packetCounters(Self.numbered(names)) == nil)
    }

    @Test func ifbCountsBothDirectionsPerQueue() throws {
        let names =
            (0..<2).flatMap { ["rx_queue_\($0)_packets", "rx_queue_\($0)_bytes"] }
            + (0..<2).flatMap { ["tx_queue_\($0)_packets", "tx_queue_\($0)_bytes"] }
        let counters = try Self.counters(names)
        #expect(counters.rx == [0: 1, 1: 3])
        #expect(counters.tx == [0: 5, 1: 7])
    }

    @Test func nothingRecognisedIsNil() {
        #expect(EthtoolQueueStatistics.packetCounters([]) == nil)
        let e1000e = ["rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_broadcast", "rx_errors", "tx_errors"]
        #expect(EthtoolQueueStatistics.packetCounters(Self.numbered(e1000e)) == nil)
    }

    @Test func theSchemeThatRecognisesMostNamesWins() throws {
        // A stray name of another form does not take over the driver's own scheme.
        let names = ["rx9_packets"] + (0..<3).flatMap { ["rx_queue_\($0)_packets", "tx_queue_\($0)_packets"] }
        #expect(Self.scheme(names) == .queueUnderscore)
        #expect(try Self.counters(names).rx.keys.sorted() == [0, 1, 2])
    }

    @Test func queueNumbersMustBeDigitsBetweenExactPrefixAndSuffix() {
        let number = EthtoolQueueCounterLayout.number
        #expect(number("rx_queue_12_packets", "rx_queue_", "_packets") == 12)
        #expect(number("rx_queue__packets", "rx_queue_", "_packets") == nil)
        #expect(number("rx_queue_1x_packets", "rx_queue_", "_packets") == nil)
        #expect(number("rx_queue_0_xdp_packets", "rx_queue_", "_packets") == nil)
        #expect(number("rx_queue_1234567_packets", "rx_queue_", "_packets") == nil)
        #expect(number("rx0_packets", "rx", "_packets") == 0)
        #expect(number("rx_packets", "rx", "_packets") == nil)
    }

    @Test func valuesBeyondTheNamesAreIgnoredAndSumsWrapRatherThanTrap() throws {
        let layout = try #require(EthtoolQueueCounterLayout(names: ["[0]: rx_ucast_packets", "[0]: rx_mcast_packets"]))
        #expect(layout.counters(values: [UInt64.max, 2]).rx == [0: 1])
        #expect(layout.counters(values: [7]).rx == [0: 7])
    }

    @Test func namesAreNulPaddedThirtyTwoByteFields() {
        var block = [UInt8](repeating: 0, count: 3 * 32)
        block.replaceSubrange(0..<7, with: Array("rx_kick".utf8))
        let long = Array(String(repeating: "x", count: 32).utf8)  // a full field has no NUL
        block.replaceSubrange(32..<64, with: long)
        #expect(EthtoolStatisticNames.decode(block) == ["rx_kick", String(repeating: "x", count: 32), ""])
        #expect(EthtoolStatisticNames.decode(block + [1, 2, 3]).count == 3, "a partial field is dropped")
    }

    @Test func ethtoolsOutputParsesNamesWithColonsAndLeadingSpaces() {
        let text = "NIC statistics:\n     [0]: rx_ucast_packets: 12\n       ucast pkts tx: 3\n     rx_drops: 0\n"
        let parsed = EthtoolOutput.statistics(text)
        #expect(parsed.map(\.name) == ["[0]: rx_ucast_packets", "  ucast pkts tx", "rx_drops"])
        #expect(parsed.map(\.value) == [12, 3, 0])
    }
}
