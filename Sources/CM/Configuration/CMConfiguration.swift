/// Everything `cmtune cm serve` was asked for, checked and resolved (listeners parsed, loop CPUs
/// chosen, the secret read) before any socket is opened.
public struct CMConfiguration: Sendable {
    public var listeners: [ListenAddress]
    /// One event loop (thread) per entry; the CPU it is pinned to, or nil when not pinned.
    public var loopCPUs: [Int?]
    /// `HOST:PORT` of the Prometheus endpoint, or nil for none.
    public var metrics: (host: String, port: Int)?
    public var limits: CMLimits
    public var tls: TLSFiles?
    public var tokens: TokenAuthority
    /// Keep messages for offline users (delivered at their next login), or refuse them.
    public var offlineStore: OfflineStoreKind
    /// After SIGTERM, how long in-flight deliveries may take before connections are closed.
    public var drainTimeoutSeconds: Double
    /// Told to clients in `KICK server-shutdown`: wait this long before reconnecting.
    public var reconnectDelayMilliseconds: UInt32

    public init(
        listeners: [ListenAddress], loopCPUs: [Int?], metrics: (host: String, port: Int)? = nil,
        limits: CMLimits = CMLimits(), tls: TLSFiles? = nil, tokens: TokenAuthority,
        offlineStore: OfflineStoreKind = .none, drainTimeoutSeconds: Double = 10,
        reconnectDelayMilliseconds: UInt32 = 1000
    ) {
        self.listeners = listeners
        self.loopCPUs = loopCPUs
        self.metrics = metrics
        self.limits = limits
        self.tls = tls
        self.tokens = tokens
        self.offlineStore = offlineStore
        self.drainTimeoutSeconds = drainTimeoutSeconds
        self.reconnectDelayMilliseconds = reconnectDelayMilliseconds
    }
}

/// PEM files for TLS on every listener.
public struct TLSFiles: Sendable, Equatable {
    public var certificateChain: String
    public var privateKey: String

    public init(certificateChain: String, privateKey: String) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
    }
}

public enum OfflineStoreKind: Sendable, Equatable {
    /// No store: a SEND to a user with no connection is answered `recipient-offline`.
    case none
    /// Kept in this process's memory, at most `perUser` messages per user and `totalBytes`
    /// of payload in all; lost when the CM stops.
    case memory(perUser: Int, totalBytes: Int)
}
