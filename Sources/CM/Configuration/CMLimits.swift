/// What one client may cost the CM. Every limit protects the other connections: a client that
/// passes one loses its own connection (or its message), never anyone else's.
public struct CMLimits: Sendable, Equatable {
    /// Connections the whole server holds; more are refused at accept with `KICK server-busy`.
    public var maxConnections: Int
    /// Connections from one IP address (0: no limit); more get `KICK too-many-connections`.
    public var maxPerAddress: Int
    /// The largest CMP message accepted, checked from its header before the body is buffered.
    public var maxFrame: Int
    /// The keep-alive granted when the client asks 0, and the most it may ask (seconds).
    public var idleTimeout: Int
    /// How long a connection may stay without a successful LOGIN.
    public var loginTimeoutSeconds: Double
    /// SENDs per second per connection (0: no limit); the burst is the same number.
    public var sendRate: Int
    /// Bytes queued towards one client that it has not read; past this the client is a slow
    /// consumer and is disconnected instead of growing the CM's memory.
    public var writeBufferLimit: Int

    public init(
        maxConnections: Int = 1_000_000, maxPerAddress: Int = 0, maxFrame: Int = 64 << 10,
        idleTimeout: Int = 90, loginTimeoutSeconds: Double = 10, sendRate: Int = 1000,
        writeBufferLimit: Int = 1 << 20
    ) {
        self.maxConnections = maxConnections
        self.maxPerAddress = maxPerAddress
        self.maxFrame = maxFrame
        self.idleTimeout = idleTimeout
        self.loginTimeoutSeconds = loginTimeoutSeconds
        self.sendRate = sendRate
        self.writeBufferLimit = writeBufferLimit
    }

    /// The keep-alive the server enforces for a client that asked `requested` seconds.
    public func grantedKeepAlive(requested: UInt16) -> UInt16 {
        let ceiling = UInt16(clamping: max(idleTimeout, 1))
        return requested == 0 ? ceiling : min(requested, ceiling)
    }
}
