import Foundation
import HostKit

/// Parsers for what ethtool 6.x prints, to hold the Netlink target's answers against the
/// standard tool's. "n/a" becomes nil, as the model means "not reported".
public enum EthtoolOutput {
    /// Lines "Key:<tabs>value" grouped by the "Pre-set maximums:" / "Current hardware settings:"
    /// sections of `ethtool -l` and `ethtool -g`.
    public static func sections(_ text: String) -> (maximums: [String: String], current: [String: String]) {
        var maximums: [String: String] = [:]
        var current: [String: String] = [:]
        var inCurrent: Bool? = nil
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("Pre-set maximums") {
                inCurrent = false
                continue
            }
            if trimmed.hasPrefix("Current hardware settings") {
                inCurrent = true
                continue
            }
            guard let inCurrent, let (key, value) = keyValue(trimmed) else { continue }
            if inCurrent { current[key] = value } else { maximums[key] = value }
        }
        return (maximums, current)
    }

    public static func keyValue(_ line: String) -> (String, String)? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let key = line[..<colon].trimmingCharacters(in: .whitespaces)
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty, !value.isEmpty else { return nil }
        return (key, value)
    }

    public static func number(_ value: String?) -> UInt32? {
        guard let value, value != "n/a" else { return nil }
        return UInt32(value)
    }

    /// `ethtool -l`.
    public static func channels(_ text: String) -> ChannelCounts {
        let (maximums, current) = sections(text)
        return ChannelCounts(
            maxRx: number(maximums["RX"]), maxTx: number(maximums["TX"]), maxOther: number(maximums["Other"]),
            maxCombined: number(maximums["Combined"]), rx: number(current["RX"]), tx: number(current["TX"]),
            other: number(current["Other"]), combined: number(current["Combined"]))
    }

    /// `ethtool -g`.
    public static func rings(_ text: String) -> RingSizes {
        let (maximums, current) = sections(text)
        return RingSizes(
            maxRx: number(maximums["RX"]), maxRxMini: number(maximums["RX Mini"]),
            maxRxJumbo: number(maximums["RX Jumbo"]), maxTx: number(maximums["TX"]), rx: number(current["RX"]),
            rxMini: number(current["RX Mini"]), rxJumbo: number(current["RX Jumbo"]), tx: number(current["TX"]),
            rxBufferLength: number(current["RX Buf Len"]), cqeSize: number(current["CQE Size"]))
    }

    /// `ethtool -c`, the fields the model keeps.
    public static func coalescing(_ text: String) -> Coalescing {
        var values: [String: String] = [:]
        var adaptive: (rx: Bool?, tx: Bool?) = (nil, nil)
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("Adaptive RX:") {
                // "Adaptive RX: off  TX: n/a"
                let words = trimmed.split(whereSeparator: \.isWhitespace)
                if words.count >= 5 {
                    adaptive = (onOff(String(words[2])), onOff(String(words[4])))
                }
                continue
            }
            if let (key, value) = keyValue(trimmed) { values[key] = value }
        }
        var coalescing = Coalescing()
        coalescing.rxUsecs = number(values["rx-usecs"])
        coalescing.rxMaxFrames = number(values["rx-frames"])
        coalescing.rxUsecsIRQ = number(values["rx-usecs-irq"])
        coalescing.rxMaxFramesIRQ = number(values["rx-frames-irq"])
        coalescing.txUsecs = number(values["tx-usecs"])
        coalescing.txMaxFrames = number(values["tx-frames"])
        coalescing.txUsecsIRQ = number(values["tx-usecs-irq"])
        coalescing.txMaxFramesIRQ = number(values["tx-frames-irq"])
        coalescing.statsBlockUsecs = number(values["stats-block-usecs"])
        coalescing.adaptiveRx = adaptive.rx
        coalescing.adaptiveTx = adaptive.tx
        coalescing.packetRateLow = number(values["pkt-rate-low"])
        coalescing.packetRateHigh = number(values["pkt-rate-high"])
        coalescing.sampleIntervalSeconds = number(values["sample-interval"])
        return coalescing
    }

    private static func onOff(_ word: String) -> Bool? {
        switch word {
        case "on": true
        case "off": false
        default: nil
        }
    }

    /// `ethtool -S`: "NIC statistics:", then one "     NAME: VALUE" line per statistic, in the
    /// driver's order. ethtool prints each name after five spaces, as the driver wrote it (bnxt's
    /// names hold ": ", vmxnet3's start with spaces), so the name runs to the last ": ".
    public static func statistics(_ text: String) -> [(name: String, value: UInt64)] {
        text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("     "), let colon = line.range(of: ": ", options: .backwards),
                let value = UInt64(line[colon.upperBound...].trimmingCharacters(in: .whitespaces))
            else { return nil }
            return (name: String(line[line.index(line.startIndex, offsetBy: 5)..<colon.lowerBound]), value: value)
        }
    }

    /// ethtool's message when the driver lacks the operation (ioctl or netlink path).
    public static func saysNotSupported(_ result: CommandResult) -> Bool {
        result.status != 0 && (result.error + result.output).contains("Operation not supported")
    }
}
