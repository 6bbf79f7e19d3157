/// The HTTP exchange that opens a WebSocket (RFC 6455 §4.1, §4.2.2): the client's upgrade
/// request and the server's answer, read from the first bytes of each direction.
///
/// Only what the decoder needs is read: the request's path and offered subprotocols (`mqtt`,
/// `cmp`), the answer's status and chosen subprotocol.
enum WebSocketHandshake {
    /// An HTTP head longer than this is not a handshake worth waiting for.
    static let maximumHeadLength = 16 << 10

    /// The length of the HTTP head at the start of `bytes` (through its blank line), once it is all there.
    static func headLength(_ bytes: ArraySlice<UInt8>) -> Int? {
        let terminator: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= 4 else { return nil }
        var index = bytes.startIndex
        while index <= bytes.endIndex - 4 {
            if bytes[index] == 13, bytes[index..<index + 4].elementsEqual(terminator) { return index + 4 - bytes.startIndex }
            index += 1
        }
        return nil
    }

    /// Whether a client's first bytes can begin an upgrade request (before the head is whole).
    static func mayBeRequest(_ bytes: ArraySlice<UInt8>) -> Bool {
        let get = Array("GET ".utf8)
        return bytes.prefix(4).elementsEqual(get.prefix(min(4, bytes.count)))
    }

    struct Request: Equatable {
        var path: String
        /// `Sec-WebSocket-Protocol`, in the client's order of preference.
        var subprotocols: [String]
    }

    /// A `GET` asking to upgrade to WebSocket, or nil when the head is anything else.
    static func request(_ head: ArraySlice<UInt8>) -> Request? {
        let (start, headers) = parse(head)
        let parts = start.split(separator: " ")
        guard parts.count == 3, parts[0] == "GET", parts[2].hasPrefix("HTTP/1."),
            headers["upgrade"]?.contains(where: { $0.lowercased().contains("websocket") }) == true
        else { return nil }
        return Request(path: String(parts[1]), subprotocols: list(headers["sec-websocket-protocol"]))
    }

    struct Response: Equatable {
        var status: Int
        /// The subprotocol the server chose, if it named one.
        var subprotocol: String?
    }

    /// The server's answer: 101 accepts the upgrade, anything else refuses it.
    static func response(_ head: ArraySlice<UInt8>) -> Response? {
        let (start, headers) = parse(head)
        let parts = start.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else { return nil }
        return Response(status: status, subprotocol: list(headers["sec-websocket-protocol"]).first)
    }

    /// The start line and the header fields by lower-cased name (repeated fields kept in order).
    private static func parse(_ head: ArraySlice<UInt8>) -> (start: Substring, headers: [String: [String]]) {
        let text = String(decoding: head, as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: true)[...]
        guard let start = lines.popFirst() else { return ("", [:]) }
        var headers: [String: [String]] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            headers[name, default: []].append(String(value))
        }
        return (start, headers)
    }

    /// The items of comma-separated field values: `mqtt, mqttv3.1` -> ["mqtt", "mqttv3.1"].
    private static func list(_ values: [String]?) -> [String] {
        (values ?? []).flatMap { $0.split(separator: ",") }.map { $0.filter { $0 != " " && $0 != "\t" } }.filter { !$0.isEmpty }
    }
}
