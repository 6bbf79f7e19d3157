/// Which protocol a TCP port speaks, before the content says otherwise: `--port 8883=mqtt`,
/// `--port 7443=cmp`.
public struct ProtocolHints: Sendable, Equatable {
    public typealias Kind = DecodedProtocol

    /// Server ports by protocol; a connection whose server port is here is decoded as that
    /// protocol even when it started before the capture (no CONNECT to recognise).
    public private(set) var ports: [UInt16: Kind]

    /// MQTT's IANA ports, and 7000, where the reference CM listens for CMP by default.
    public static let defaults = ProtocolHints(ports: [1883: .mqtt, 8883: .mqtt, 7000: .cmp])

    public init(ports: [UInt16: Kind]) {
        self.ports = ports
    }

    public func `protocol`(forServerPort port: UInt16) -> Kind? { ports[port] }

    public var serverPorts: Set<UInt16> { Set(ports.keys) }

    /// Adds hints given as `PORT=PROTOCOL`; returns a message naming the bad part, or nil.
    public mutating func add(_ text: String) -> String? {
        let parts = text.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, let port = UInt16(parts[0]), port > 0 else {
            return "--port \(text): expected PORT=PROTOCOL, e.g. 8884=mqtt"
        }
        guard let proto = Kind(rawValue: parts[1].lowercased()) else {
            return "--port \(text): unknown protocol '\(parts[1])' (known: \(Kind.allCases.map(\.rawValue).joined(separator: ", ")))"
        }
        ports[port] = proto
        return nil
    }
}
