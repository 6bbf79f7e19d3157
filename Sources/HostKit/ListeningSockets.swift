/// TCP sockets in LISTEN state, from proc/net/tcp and proc/net/tcp6: which ports the host
/// serves, so a diagnosis can tie a listen-queue overflow or a port to the CM that owns it
/// (by the socket inode, which also names the socket in /proc/PID/fd).
///
/// Rows are `sl: local rem st tx:rx tr:when retrnsmt uid timeout inode ...` with the local
/// address as `hexIP:hexPORT` and LISTEN as state `0A`. On a CM host these files hold a row
/// per connection (hundreds of thousands), so rows in other states are only checked for
/// shape, never decoded.
public struct ListeningSockets: Sendable, Equatable {
    public struct Listener: Sendable, Equatable, Hashable {
        public var port: Int
        /// Dotted IPv4 (`127.0.0.1`) or IPv6 text as `ss` prints it (`::1`, `::`).
        public var address: String
        /// The socket's inode (`socket:[INODE]` in /proc/PID/fd).
        public var inode: UInt64

        public init(port: Int, address: String, inode: UInt64) {
            self.port = port
            self.address = address
            self.inode = inode
        }
    }

    public var listeners: [Listener]
    public var issues: [HostIssue]

    public init(listeners: [Listener] = [], issues: [HostIssue] = []) {
        self.listeners = listeners
        self.issues = issues
    }

    /// Distinct listening ports, ascending.
    public var ports: [Int] { Array(Set(listeners.map(\.port))).sorted() }

    /// The kernel's number for TCP_LISTEN, as the `st` column prints it.
    static let listenState: UInt64 = 0x0A

    /// Reads proc/net/tcp (every kernel has it: missing is an issue) and proc/net/tcp6 (absent
    /// when IPv6 is disabled: missing is silent).
    public static func read(from root: HostRoot) -> ListeningSockets {
        var sockets = ListeningSockets()
        if let bytes = ProcText.read("proc/net/tcp", from: root, issues: &sockets.issues, missing: "IPv4 listening ports unknown") {
            sockets.merge(parsing: bytes, path: root.absolute("proc/net/tcp"), ipv6: false)
        }
        if let bytes = ProcText.read("proc/net/tcp6", from: root, issues: &sockets.issues, missing: nil) {
            sockets.merge(parsing: bytes, path: root.absolute("proc/net/tcp6"), ipv6: true)
        }
        return sockets
    }

    /// Adds the listeners of one file (`ipv6` says which layout its addresses have). The first
    /// line is the column header; a row of another shape is an issue and left out.
    public mutating func merge(parsing bytes: [UInt8], path: String, ipv6: Bool) {
        var found = FileIssues(path: path)
        let words = ipv6 ? 4 : 1
        var sawHeader = false
        for (number, line) in ProcText.lines(bytes) {
            if ProcText.isBlank(line) { continue }
            if sawHeader, Self.isWellFormedConnection(line) { continue }
            // Enough splits for the inode (field 9); the rest of the row stays in one piece.
            let fields = line.split(separator: 0x20, maxSplits: 10, omittingEmptySubsequences: true)
            if !sawHeader {
                sawHeader = true
                if fields.first?.elementsEqual("sl".utf8) == true { continue }
                found.add(line: number, "expected the column header ('sl local_address ...'), found \(ProcText.quoted(line))")
            }
            guard fields.count >= 10, fields[0].last == UInt8(ascii: ":") else {
                found.add(line: number, "expected at least 10 columns ('sl: local remote st ... inode'), found \(fields.count): \(ProcText.quoted(line))")
                continue
            }
            guard case .success(let state) = ProcText.unsigned(fields[3], radix: 16), fields[3].count == 2 else {
                found.add(line: number, "state \(ProcText.quoted(fields[3])) is not two hexadecimal digits")
                continue
            }
            guard state == Self.listenState else { continue }
            let local = fields[1]
            guard let colon = local.firstIndex(of: UInt8(ascii: ":")),
                let address = SocketAddressText.addressBytes(local[local.startIndex..<colon], words: words),
                local.endIndex - colon == 5, case .success(let port) = ProcText.unsigned(local[(colon + 1)...], radix: 16)
            else {
                found.add(line: number, "local address \(ProcText.quoted(local)) is not \(ipv6 ? "32" : "8") hexadecimal digits, ':' and a 4-digit port")
                continue
            }
            let inode: UInt64
            switch ProcText.unsigned(fields[9]) {
            case .success(let value): inode = value
            case .failure(let problem):
                found.add(line: number, ProcText.describe(problem, fields[9], what: "inode"))
                continue
            }
            let text = ipv6 ? SocketAddressText.ipv6(address) : SocketAddressText.ipv4(address[...])
            listeners.append(Listener(port: Int(port), address: text, inode: inode))
        }
        if !sawHeader { found.add(line: nil, "empty file: not even the column header") }
        issues.append(contentsOf: found.all)
    }

    /// True for a row of the right shape in a state other than LISTEN: `sl:` first, at least
    /// 10 fields, a two-digit hex state that is not 0A. Found by one scan without allocating,
    /// because on a CM host nearly every row is such a connection; anything else takes the
    /// full path, which reports what is wrong.
    static func isWellFormedConnection(_ line: ArraySlice<UInt8>) -> Bool {
        var fields = 0
        var index = line.startIndex
        var state: ArraySlice<UInt8> = []
        while index < line.endIndex && fields < 10 {
            while index < line.endIndex && line[index] == 0x20 { index += 1 }
            guard index < line.endIndex else { break }
            let start = index
            while index < line.endIndex && line[index] != 0x20 { index += 1 }
            if fields == 0 && line[index - 1] != UInt8(ascii: ":") { return false }
            if fields == 3 { state = line[start..<index] }
            fields += 1
        }
        guard fields == 10, state.count == 2, case .success(let value) = ProcText.unsigned(state, radix: 16) else { return false }
        return value != listenState
    }
}
