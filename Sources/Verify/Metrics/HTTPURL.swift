import NIOCore

/// `http://IP:PORT/PATH` taken apart: an IP literal only, so no resolver runs (a resolver would
/// create the socket later, on another thread, outside the namespace the caller entered).
public struct HTTPURL: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var path: String

    public init?(_ text: String) {
        guard text.hasPrefix("http://") else { return nil }
        let rest = text.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        path = rest.count > authority.count ? String(rest.dropFirst(authority.count)) : "/"
        // [v6]:port or v4:port
        let hostPart: Substring
        let portPart: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            portPart = authority[close...].dropFirst(2)
        } else {
            guard let colon = authority.lastIndex(of: ":") else { return nil }
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        }
        guard let port = Int(portPart), (1...65535).contains(port), !hostPart.isEmpty else { return nil }
        host = String(hostPart)
        self.port = port
    }

    /// The socket address; nil when the host is not an IP literal.
    var socketAddress: SocketAddress? { try? SocketAddress(ipAddress: host, port: port) }

    /// How the URL's server is named in messages: "127.0.0.1:9100".
    public var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
