/// The protocols the decode pipeline reads, as `--port PORT=PROTOCOL` names them and as the
/// `"proto"` of every JSON line.
public enum DecodedProtocol: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case mqtt
    /// CMP, the reference CM's own protocol (docs/protocol.md).
    case cmp

    public var description: String { rawValue }

    /// The name as a `StaticString`, so a JSON line writes it without building a String.
    var staticName: StaticString {
        switch self {
        case .mqtt: return "mqtt"
        case .cmp: return "cmp"
        }
    }
}
