import NIOCore

/// A per-connection send rate limit: `rate` tokens per second, at most `rate` saved up, one per
/// SEND. Integer nanoseconds, so no drift and no floating point on the hot path.
struct TokenBucket {
    private let rate: Int64
    private var tokens: Int64
    private var updated: NIODeadline

    init(perSecond rate: Int, now: NIODeadline) {
        self.rate = Int64(rate)
        tokens = Int64(rate)
        updated = now
    }

    /// Takes a token if one is there; false means the SEND is over the rate.
    mutating func take(now: NIODeadline) -> Bool {
        guard rate > 0 else { return true }
        if tokens < 1 {
            let elapsed = (now - updated).nanoseconds
            let earned = elapsed * rate / 1_000_000_000
            guard earned > 0 else { return false }
            tokens = min(rate, tokens + earned)
            updated = updated + .nanoseconds(earned * 1_000_000_000 / rate)
        }
        tokens -= 1
        return true
    }
}
