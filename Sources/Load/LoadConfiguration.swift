import CM
import NIOCore
import NIOSSL

/// Everything `cmtune cm load` was asked for, checked.
public struct LoadConfiguration: Sendable {
    public var target: ListenAddress
    public var tokens: TokenAuthority
    public var connections: Int
    /// New connections per second during the ramp.
    public var connectRate: Double
    /// Messages per second in the measured phase (a fan-out message counts once).
    public var rate: Double
    public var pattern: LoadPattern
    /// Bytes per payload (at least the 20-byte latency header).
    public var payloadSize: Int
    /// Seconds of the measured phase, after the ramp.
    public var duration: Double
    /// Local addresses to spread connections over; empty: the kernel's choice.
    public var sourceAddresses: [String]
    public var loops: Int
    /// The keep-alive asked for in LOGIN; the generator PINGs at half of it.
    public var keepAlive: UInt16
    /// After the measured phase: how long to wait for deliveries still in flight.
    public var drainSeconds: Double
    public var tls: TLSConfiguration
    /// Users are `<prefix><n>`, so two generators against one CM do not collide.
    public var userPrefix: String

    public init(
        target: ListenAddress, tokens: TokenAuthority, connections: Int, connectRate: Double = 5000, rate: Double = 1000,
        pattern: LoadPattern = .pointToPoint, payloadSize: Int = 128, duration: Double = 10, sourceAddresses: [String] = [],
        loops: Int = NIOCore.System.coreCount, keepAlive: UInt16 = 60, drainSeconds: Double = 3,
        tls: TLSConfiguration = .makeClientConfiguration(), userPrefix: String = "load"
    ) {
        self.target = target
        self.tokens = tokens
        self.connections = connections
        self.connectRate = connectRate
        self.rate = rate
        self.pattern = pattern
        self.payloadSize = max(payloadSize, LoadPayload.headerSize)
        self.duration = duration
        self.sourceAddresses = sourceAddresses
        self.loops = max(1, loops)
        self.keepAlive = keepAlive
        self.drainSeconds = drainSeconds
        self.tls = tls
        self.userPrefix = userPrefix
    }
}
