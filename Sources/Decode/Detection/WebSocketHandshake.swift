/// The HTTP exchange that opens a WebSocket (RFC 6455 §4.1, §4.2.2): the client's upgrade
/// request and the server's answer, read from the first bytes of each direction.
///
/// Only what the decoder needs is read: the request's path and offered subprotocols (`mqtt`,
/// `cmp`), the answer's status and chosen subprotocol. Everything is read as bytes: splitting
/// a head as a String walks grapheme clusters, which cost more than the rest of a connection.
enum WebSocketHandshake {
    /// An HTTP head longer than this is not a handshake worth waiting for.
    static let maximumHeadLength = 16 << 10

    /// The length of the HTTP head at the start of `bytes` (through its blank line), once it is all there.
    static func headLength(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var index = bytes.startIndex
        while index <= bytes.endIndex - 4 {
            if bytes[index] == 13, bytes[index + 1] == 10, bytes[index + 2] == 13, bytes[index + 3] == 10 {
                return index + 4 - bytes.startIndex
            }
            index += 1
        }
        return nil
    }

    /// Whether a client's first bytes can begin an upgrade request (before the head is whole).
    static func mayBeRequest(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.prefix(4).elementsEqual("GET ".utf8.prefix(min(4, bytes.count)))
    }

    struct Request: Equatable {
        var path: String
        /// `Sec-WebSocket-Protocol`, in the client's order of preference.
        var subprotocols: [String]
    }

    /// A `GET` asking to upgrade to WebSocket, or nil when the head is anything else.
    static func request(_ head: ArraySlice<UInt8>) -> Request? {
        let (start, fields) = parse(head)
        let parts = start.split(separator: UInt8(ascii: " "))
        guard parts.count == 3, parts[0].elementsEqual("GET".utf8), parts[2].starts(with: "HTTP/1.".utf8),
            fields.contains(where: { $0.name == .upgrade && contains($0.value, "websocket") })
        else { return nil }
        return Request(path: String(decoding: parts[1], as: UTF8.self), subprotocols: subprotocols(fields))
    }

    struct Response: Equatable {
        var status: Int
        /// The subprotocol the server chose, if it named one.
        var subprotocol: String?
    }

    /// The server's answer: 101 accepts the upgrade, anything else refuses it.
    static func response(_ head: ArraySlice<UInt8>) -> Response? {
        let (start, fields) = parse(head)
        let parts = start.split(separator: UInt8(ascii: " "), maxSplits: 2)
        guard parts.count >= 2, parts[0].starts(with: "HTTP/1.".utf8), let status = Int(String(decoding: parts[1], as: UTF8.self)) else { return nil }
        return Response(status: status, subprotocol: subprotocols(fields).first)
    }

    private enum FieldName { case upgrade, subprotocol }

    /// The start line and the fields the handshake needs, in order (a field may repeat).
    private static func parse(_ head: ArraySlice<UInt8>) -> (start: ArraySlice<UInt8>, fields: [(name: FieldName, value: ArraySlice<UInt8>)]) {
        var lines = head.split(separator: UInt8(ascii: "\n")).map { $0.last == UInt8(ascii: "\r") ? $0.dropLast() : $0 }.filter { !$0.isEmpty }[...]
        guard let start = lines.popFirst() else { return ([], []) }
        var fields: [(name: FieldName, value: ArraySlice<UInt8>)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name: FieldName
            if equalsIgnoringCase(line[..<colon], "upgrade") {
                name = .upgrade
            } else if equalsIgnoringCase(line[..<colon], "sec-websocket-protocol") {
                name = .subprotocol
            } else {
                continue
            }
            fields.append((name, line[(colon + 1)...]))
        }
        return (start, fields)
    }

    /// The items of the `Sec-WebSocket-Protocol` fields: `mqtt, mqttv3.1` -> ["mqtt", "mqttv3.1"].
    private static func subprotocols(_ fields: [(name: FieldName, value: ArraySlice<UInt8>)]) -> [String] {
        fields.filter { $0.name == .subprotocol }.flatMap { $0.value.split(separator: UInt8(ascii: ",")) }
            .map { String(decoding: $0.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }, as: UTF8.self) }
            .filter { !$0.isEmpty }
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }

    private static func equalsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ lowercase: StaticString) -> Bool {
        let text = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        return bytes.count == text.count && zip(bytes, text).allSatisfy { lowercased($0) == $1 }
    }

    /// Whether `bytes` contain `lowercase`, ignoring ASCII case (`Upgrade: WebSocket`).
    private static func contains(_ bytes: ArraySlice<UInt8>, _ lowercase: StaticString) -> Bool {
        let text = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        guard bytes.count >= text.count else { return false }
        var start = bytes.startIndex
        while start <= bytes.endIndex - text.count {
            if zip(bytes[start...], text).allSatisfy({ lowercased($0) == $1 }) { return true }
            start += 1
        }
        return false
    }
}
