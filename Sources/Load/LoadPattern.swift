/// Who a simulated user sends to: `--pattern p2p|fanout:N|mixed`.
///
/// CMP v1 has no rooms in the reference CM, so a fan-out message is N SENDs from one client to
/// N distinct users, the way small-group chat without server-side groups works; `--rate`
/// counts messages, so deliveries per second are `rate × N` for `fanout:N`.
public enum LoadPattern: Sendable, Equatable, CustomStringConvertible {
    /// One sender, one random other user.
    case pointToPoint
    /// One sender, N distinct random other users.
    case fanout(Int)
    /// A chat-like mix: 90 % one-to-one, 10 % to a group of 10; payload sizes vary from half to
    /// twice `--payload`.
    case mixed

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    public init(parsing text: String) throws(ParseError) {
        switch text.lowercased() {
        case "p2p": self = .pointToPoint
        case "mixed": self = .mixed
        case let other where other.hasPrefix("fanout:"):
            guard let count = Int(other.dropFirst("fanout:".count)), count >= 1 else {
                throw ParseError(description: "--pattern \(text): fanout takes a recipient count of at least 1, e.g. fanout:100")
            }
            self = .fanout(count)
        default:
            throw ParseError(description: "--pattern \(text): expected p2p, fanout:N or mixed")
        }
    }

    public var description: String {
        switch self {
        case .pointToPoint: "p2p"
        case .fanout(let count): "fanout:\(count)"
        case .mixed: "mixed"
        }
    }

    /// How many recipients the next message has, and its payload size, for a draw `roll` in
    /// 0..<100 (the caller's random number, so one generator per loop serves everything).
    func nextMessage(roll: Int, payload: Int, sizeRoll: Double) -> (recipients: Int, payload: Int) {
        switch self {
        case .pointToPoint: return (1, payload)
        case .fanout(let count): return (count, payload)
        case .mixed:
            let size = max(LoadPayload.headerSize, Int(Double(payload) * (0.5 + 1.5 * sizeRoll)))
            return (roll < 90 ? 1 : 10, size)
        }
    }
}
