import NIOWebSocket

/// Names of WebSocket close codes (RFC 6455 §7.4.1), as NIOWebSocket names them.
enum WebSocketCloseCode {
    /// `normalClosure`, `goingAway`, ...; `application` for the 4000-4999 range the application
    /// defines, `unknown` for the rest.
    static func name(_ code: UInt16) -> String {
        let known = WebSocketErrorCode(codeNumber: Int(code))
        if case .unknown = known { return (4000...4999).contains(code) ? "application" : "unknown" }
        return String(describing: known)
    }
}
