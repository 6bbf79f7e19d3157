/// Where the CM listens and how clients frame CMP there: `tcp://0.0.0.0:7000` (messages back to
/// back on the stream) or `ws://0.0.0.0:7001/cm` (WebSocket, subprotocol `cmp`, binary frames).
/// `tls://` and `wss://` are the same inside TLS; with `--tls-cert`, every listener is.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public enum Transport: String, Sendable {
        case tcp
        case webSocket = "ws"
    }

    public var transport: Transport
    public var host: String
    /// 0 asks the kernel for a free port (tests); every loop's listener then shares that port.
    public var port: Int
    /// The WebSocket path; "/" for TCP.
    public var path: String
    /// Asked for by the scheme (`tls://`, `wss://`); `--tls-cert` turns TLS on for every listener.
    public var requiresTLS: Bool

    public init(transport: Transport, host: String, port: Int, path: String = "/", requiresTLS: Bool = false) {
        self.transport = transport
        self.host = host
        self.port = port
        self.path = path
        self.requiresTLS = requiresTLS
    }

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var text: String
        public var reason: String
        public var description: String { "--listen \(text): \(reason)" }
    }

    /// Parses `SCHEME://HOST:PORT[/PATH]`; IPv6 hosts go in brackets (`tcp://[::]:7000`).
    public init(parsing text: String) throws(ParseError) {
        func fail(_ reason: String) -> ParseError { ParseError(text: text, reason: reason) }
        guard let schemeEnd = text.range(of: "://") else {
            throw fail("expected SCHEME://HOST:PORT, e.g. tcp://0.0.0.0:7000 or ws://0.0.0.0:7001/cm")
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        switch scheme {
        case "tcp": (transport, requiresTLS) = (.tcp, false)
        case "tls": (transport, requiresTLS) = (.tcp, true)
        case "ws": (transport, requiresTLS) = (.webSocket, false)
        case "wss": (transport, requiresTLS) = (.webSocket, true)
        default: throw fail("unknown scheme '\(scheme)' (known: tcp, tls, ws, wss)")
        }
        var rest = text[schemeEnd.upperBound...]
        var pathPart = "/"
        if let slash = rest.firstIndex(of: "/") {
            pathPart = String(rest[slash...])
            rest = rest[..<slash]
        }
        if transport == .tcp && pathPart != "/" { throw fail("a tcp listener has no path") }
        let hostPart: Substring
        let portPart: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw fail("unclosed '[' in IPv6 host") }
            hostPart = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            guard after.hasPrefix(":") else { throw fail("expected :PORT after the IPv6 host") }
            portPart = after.dropFirst()
        } else {
            guard let colon = rest.lastIndex(of: ":") else { throw fail("expected HOST:PORT") }
            hostPart = rest[..<colon]
            portPart = rest[rest.index(after: colon)...]
        }
        guard !hostPart.isEmpty else { throw fail("empty host (use 0.0.0.0 or [::] for every address)") }
        guard let port = Int(portPart), (0...65535).contains(port) else {
            throw fail("port '\(portPart)' is not a number from 0 to 65535")
        }
        host = String(hostPart)
        self.port = port
        path = pathPart
    }

    public var description: String {
        let scheme =
            switch (transport, requiresTLS) {
            case (.tcp, false): "tcp"
            case (.tcp, true): "tls"
            case (.webSocket, false): "ws"
            case (.webSocket, true): "wss"
            }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(shownHost):\(port)\(transport == .webSocket ? path : "")"
    }

    /// The same listener with its TLS state and kernel-chosen port filled in.
    func resolved(port: Int, tls: Bool) -> ListenAddress {
        var copy = self
        copy.port = port
        copy.requiresTLS = tls
        return copy
    }
}
