import Logging
import NIOConcurrencyHelpers
import Synchronization
import Wire

/// What every connection on every loop shares: limits, tokens, the router (with the routing
/// table and the offline store), session ids and admission accounting. Sendable; its mutable parts are atomics or sit
/// behind one lock each.
final class ServerContext: Sendable {
    let limits: CMLimits
    let tokens: TokenAuthority
    let router: Router
    let metrics: CMMetrics
    let logger: Logger
    let reconnectDelayMilliseconds: UInt32

    private let openConnections = Atomic<Int>(0)
    private let perAddress = NIOLockedValueBox([String: Int]())
    private let sessionIDs = Atomic<UInt64>(0)
    private let drainingFlag = Atomic<Bool>(false)

    init(
        limits: CMLimits, tokens: TokenAuthority, registry: any SessionRegistry, offlineStore: (any OfflineStore)?,
        metrics: CMMetrics, logger: Logger, reconnectDelayMilliseconds: UInt32
    ) {
        self.limits = limits
        self.tokens = tokens
        router = Router(registry: registry, offlineStore: offlineStore)
        self.metrics = metrics
        self.logger = logger
        self.reconnectDelayMilliseconds = reconnectDelayMilliseconds
    }

    enum Admission: Equatable {
        case admitted
        case refused(CMPResultCode)
    }

    /// Counts a new connection against the server-wide and per-address limits; a connection
    /// that was admitted must call `release(address:)` exactly once when it closes.
    func admit(address: String?) -> Admission {
        if drainingFlag.load(ordering: .relaxed) { return .refused(.serverShutdown) }
        let count = openConnections.add(1, ordering: .relaxed).newValue
        if count > limits.maxConnections {
            openConnections.subtract(1, ordering: .relaxed)
            return .refused(.serverBusy)
        }
        if limits.maxPerAddress > 0, let address {
            let admitted = perAddress.withLockedValue { table -> Bool in
                let current = table[address, default: 0]
                guard current < limits.maxPerAddress else { return false }
                table[address] = current + 1
                return true
            }
            if !admitted {
                openConnections.subtract(1, ordering: .relaxed)
                return .refused(.tooManyConnections)
            }
        }
        return .admitted
    }

    func release(address: String?) {
        openConnections.subtract(1, ordering: .relaxed)
        guard limits.maxPerAddress > 0, let address else { return }
        perAddress.withLockedValue { table in
            let remaining = table[address, default: 1] - 1
            table[address] = remaining > 0 ? remaining : nil
        }
    }

    var connectionCount: Int { openConnections.load(ordering: .relaxed) }

    func nextSessionID() -> UInt64 { sessionIDs.add(1, ordering: .relaxed).newValue }

    var registry: any SessionRegistry { router.registry }
    var offlineStore: (any OfflineStore)? { router.offlineStore }

    var isDraining: Bool { drainingFlag.load(ordering: .relaxed) }
    func startDraining() { drainingFlag.store(true, ordering: .relaxed) }
}
