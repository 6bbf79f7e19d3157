import ArgumentParser
import HostKit
import Tuning

/// CPU lists on the command line (`2-15`, `0,4-7`), checked with the bad token named.
enum CPUListArgument {
    /// The parse error for a CPU list, for a one-line refusal; nil when it is valid.
    static func problem(_ text: String) -> String? {
        do {
            _ = try CPUSet(parsingList: text)
            return nil
        } catch {
            return error.description
        }
    }
}

extension SpreadPolicy.Channels: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument {
        case "max": self = .max
        case "keep": self = .keep
        default:
            guard let count = UInt32(argument), count > 0 else { return nil }
            self = .count(count)
        }
    }
}

extension SpreadPolicy.Switch: ExpressibleByArgument {}
extension IRQBalancePolicy: ExpressibleByArgument {}

extension SpreadPolicy.RFS: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument {
        case "auto": self = .auto
        case "off": self = .off
        default:
            guard let entries = Int(argument), entries > 0, entries <= 1 << 30 else { return nil }
            self = .entries(entries)
        }
    }
}
