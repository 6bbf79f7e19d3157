/// A TCP connection as the reassembler sees it: the client is the side that sent the SYN (or,
/// without a SYN, the side not on a known server port, or the higher port).
public struct TCPConnection: Sendable, Hashable, CustomStringConvertible {
    /// 1, 2, 3... in order of first appearance in the capture.
    public let id: UInt64
    public let client: Endpoint
    public let server: Endpoint
    /// Set by the decoder on a connection upgraded to WebSocket: its messages travelled inside
    /// WebSocket frames.
    public var overWebSocket = false

    public init(id: UInt64, client: Endpoint, server: Endpoint) {
        self.id = id
        self.client = client
        self.server = server
    }

    /// `10.0.0.1:50000 -> 10.0.0.2:1883`
    public var description: String { "\(client) -> \(server)" }
}

public enum TCPDirection: Sendable, Hashable, CustomStringConvertible {
    case clientToServer
    case serverToClient

    public var reversed: TCPDirection { self == .clientToServer ? .serverToClient : .clientToServer }

    public var description: String { self == .clientToServer ? "client->server" : "server->client" }
}

public enum TCPCloseReason: String, Sendable, Hashable, CaseIterable {
    /// Both sides sent FIN and everything before the FINs was delivered.
    case fin
    /// A side sent RST.
    case reset
    /// No segment for longer than the idle timeout (capture time).
    case idle
    /// The input ended (`finish()`).
    case endOfCapture
    /// The connection table was full: the least recently active connections were closed.
    case evicted
}

/// What the reassembler reports, in order.
public enum TCPStreamEvent: Sendable {
    /// A connection was first seen; `hadSYN` is false for one picked up mid-stream.
    case opened(TCPConnection, hadSYN: Bool)
    /// The next bytes of one direction, strictly in sequence order, with the capture time of
    /// the segment that carried them. The slice shares the captured packet's storage.
    case data(TCPConnection, TCPDirection, ArraySlice<UInt8>, CaptureTimestamp)
    /// Bytes that will never be delivered (never captured, cut by the snapshot length, or given
    /// up to stay within the buffering limits); the next `data` follows them.
    case gap(TCPConnection, TCPDirection, missingByteCount: Int, CaptureTimestamp)
    /// The connection is finished; nothing more is reported for it.
    case closed(TCPConnection, reason: TCPCloseReason)
}

/// Limits of the reassembler. Buffered bytes are out-of-order payload bytes waiting for a hole
/// to fill, copied out of their packets, so the limits bound the memory they take.
public struct TCPReassemblyLimits: Sendable, Hashable {
    /// Out-of-order bytes one direction may hold; beyond it the oldest hole is given up.
    public var maximumBufferedBytesPerDirection: Int = 1 << 20
    /// Out-of-order bytes all connections together may hold; beyond it the oldest hole (by
    /// capture time) anywhere is given up.
    public var maximumBufferedBytesTotal: Int = 64 << 20
    /// A connection with no segment for this long (capture time) is closed as idle.
    public var idleTimeout: Duration = .seconds(300)
    /// Connections tracked at once; beyond it the least recently active are closed (`.evicted`).
    public var maximumConnections: Int = 1_000_000
    /// Delivered bytes remembered (copied) per direction, to tell a retransmission that repeats
    /// them from one that contradicts them (conflicting bytes). Rounded down to a power of two;
    /// below 256 nothing is remembered.
    public var retainedDeliveredBytesPerDirection: Int = 4 << 10
    /// Memory for remembered bytes over all connections; once reached, directions that have no
    /// memory yet get none (their retransmissions are still counted as duplicates, but cannot be
    /// compared) until closed connections give some back.
    public var retainedDeliveredBytesTotal: Int = 64 << 20

    public init() {}
}

/// Counters of the reassembler.
public struct TCPReassemblyStatistics: Sendable, Hashable {
    public var segments = 0
    public var connectionsOpened = 0
    /// Connections closed, by reason (`TCPCloseReason.rawValue`).
    public var connectionsClosed: [TCPCloseReason: Int] = [:]
    public var bytesDelivered = 0
    /// Segments that arrived ahead of a hole and were buffered.
    public var outOfOrderSegments = 0
    /// Bytes received again that had already been delivered or buffered (retransmissions).
    public var duplicateBytes = 0
    /// Of those, bytes whose value differed from the first copy (the first copy was kept).
    public var conflictingBytes = 0
    /// TCP keep-alives (one byte or none, just below the next expected byte): not counted as
    /// duplicates.
    public var keepAlives = 0
    public var gaps = 0
    public var gapBytes = 0
    /// Holes given up to stay within the buffering limits.
    public var holesGivenUp = 0
    /// Connections closed as idle, or to stay within the connection limit.
    public var idleEvictions = 0
    public var limitEvictions = 0
    /// Segments more than 2^30 bytes away from the expected sequence number: ignored.
    public var outOfWindowSegments = 0
    /// Segments for a connection already closed by FIN or RST (the last ACK, late duplicates),
    /// and bare RSTs for connections never seen: ignored.
    public var segmentsAfterClose = 0
    /// Out-of-order bytes held now, the most ever held in total, and in any one direction.
    public var bufferedBytes = 0
    public var peakBufferedBytes = 0
    public var peakBufferedBytesPerDirection = 0

    public init() {}

    public var closedTotal: Int { connectionsClosed.values.reduce(0, +) }
}
