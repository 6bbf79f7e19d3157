import SystemPackage

/// Why a metrics scrape gave no body, each with what the user needs to follow it up.
public enum HTTPGetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not `http://IP:PORT/PATH` (the CM prints its metrics address as one).
    case invalidURL(String)
    /// The connection was refused or failed; `errno` when the kernel gave one.
    case connectFailed(address: String, errno: Errno?, detail: String)
    /// No complete answer within the time limit.
    case timedOut(address: String, seconds: Double)
    /// The server answered with another status than 200.
    case status(Int, reason: String)
    /// The connection closed (or failed) before the whole body arrived.
    case incomplete(address: String, detail: String)
    /// The namespace the server lives in could not be entered.
    case namespace(String)

    public var description: String {
        switch self {
        case .invalidURL(let url): "\(url) is not an http://IP:PORT/PATH address"
        case .connectFailed(let address, let errno, let detail):
            "cannot connect to \(address): \(errno.map { "\($0) (errno \($0.rawValue))" } ?? detail)"
        case .timedOut(let address, let seconds): "\(address) gave no complete answer within \(seconds) s"
        case .status(let code, let reason): "the server answered \(code) \(reason)"
        case .incomplete(let address, let detail): "\(address) closed the connection before the whole answer: \(detail)"
        case .namespace(let detail): detail
        }
    }
}
