/// `--source-ips 10.0.1.1-10.0.1.8` or `a,b,c`: the local addresses connections are spread over,
/// because one source address reaches one destination through at most ~64K ports.
public enum SourceAddresses {
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// At most this many addresses from one range: more is certainly a typo.
    static let maximumRange = 65536

    public static func parse(_ text: String) throws(ParseError) -> [String] {
        var addresses: [String] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", maxSplits: 1)
            guard let first = ipv4(bounds[0]) else {
                throw ParseError(description: "--source-ips \(text): '\(bounds[0])' is not an IPv4 address")
            }
            guard bounds.count == 2 else {
                addresses.append(format(first))
                continue
            }
            guard let last = ipv4(bounds[1]), last >= first else {
                throw ParseError(description: "--source-ips \(text): '\(part)' is not a range of IPv4 addresses (low-high)")
            }
            guard last - first < UInt32(maximumRange) else {
                throw ParseError(description: "--source-ips \(text): '\(part)' has more than \(maximumRange) addresses")
            }
            for value in first...last { addresses.append(format(value)) }
        }
        guard !addresses.isEmpty else { throw ParseError(description: "--source-ips: no address given") }
        return addresses
    }

    /// For a loopback target and more connections than one address carries comfortably: spread
    /// over 127.0.1.1 onwards (the whole of 127.0.0.0/8 is local on `lo`, nothing to configure),
    /// one address per 10,000 connections (the default ephemeral port range has 28,232 ports, and
    /// earlier runs leave some in TIME_WAIT).
    public static func automatic(forTarget host: String, connections: Int) -> [String] {
        guard host.hasPrefix("127."), connections > 10_000 else { return [] }
        let count = (connections + 9_999) / 10_000
        let base = ipv4("127.0.1.1")!
        return (0..<UInt32(count)).map { format(base + $0) }
    }

    static func ipv4<S: StringProtocol>(_ text: S) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard let byte = UInt8(octet) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }

    static func format(_ value: UInt32) -> String {
        "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
    }
}
