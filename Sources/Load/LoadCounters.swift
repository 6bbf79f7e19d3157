/// One loop's counts, touched only on that loop and summed at the end.
struct LoadCounters: Sendable {
    var opened = 0
    var connecting = 0
    var loggedIn = 0
    /// Why connections failed: "connect: Connection refused", "login: bad-token", ...
    var failures: [String: Int] = [:]
    var disconnected = 0
    var kicks: [String: Int] = [:]
    /// Messages the simulated users sent; a fan-out message is one message and N SENDs.
    var messages = 0
    var sent = 0
    /// Messages due that were not written because the connection's buffer was full: the CM
    /// (or the network) did not keep up.
    var notSent = 0
    var acks: [String: Int] = [:]
    var ackedSuccess = 0
    var delivered = 0
    var pings = 0

    mutating func add(_ other: LoadCounters) {
        opened += other.opened
        connecting += other.connecting
        loggedIn += other.loggedIn
        failures.merge(other.failures, uniquingKeysWith: +)
        disconnected += other.disconnected
        kicks.merge(other.kicks, uniquingKeysWith: +)
        messages += other.messages
        sent += other.sent
        notSent += other.notSent
        acks.merge(other.acks, uniquingKeysWith: +)
        ackedSuccess += other.ackedSuccess
        delivered += other.delivered
        pings += other.pings
    }

    var failed: Int { failures.values.reduce(0, +) }
}
