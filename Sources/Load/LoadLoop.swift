import CM
import Histogram
import NIOCore
import NIOPosix
import Wire

/// One event loop's share of the load: its users' connections, their ramp, the open-loop send
/// schedule, and what was measured. Touched only on its loop (`NIOLoopBound`), so nothing here
/// is shared or locked; the generator collects the results at the end.
final class LoadLoop {
    let index: Int
    let eventLoop: any EventLoop
    let configuration: LoadConfiguration
    private let transport: CMPClientTransport
    private let loopCount: Int

    private(set) var counters = LoadCounters()
    /// Delivery latency, nanoseconds from the intended send time to the DELIVER's arrival.
    private(set) var latency = Histogram<UInt64>(lowestDiscernibleValue: 1_000, highestTrackableValue: 120_000_000_000)
    private(set) var connections: [LoadConnection] = []
    private var random = FastRandom(seed: UInt64.random(in: 1...UInt64.max))
    private var tokens: [String: String] = [:]

    // The ramp.
    private var rampUsers: [Int] = []
    private var rampNext = 0
    private var rampStart = NIODeadline.now()
    private var rampTask: RepeatedTask?
    private static let maximumConnecting = 1000
    private static let loginTimeout = TimeAmount.seconds(15)

    // The measured phase.
    private var recipients: [Int32] = []
    private var sendStart = NIODeadline.now()
    private var sendEnd = NIODeadline.now()
    private var nanosecondsPerMessage: Double = 0
    private var issued = 0
    private var sendTask: RepeatedTask?
    private var pingTask: RepeatedTask?
    private var sequence: UInt64 = 0

    init(index: Int, eventLoop: any EventLoop, configuration: LoadConfiguration, transport: CMPClientTransport, loopCount: Int) {
        self.index = index
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.transport = transport
        self.loopCount = loopCount
    }

    func userName(_ user: Int) -> String { "\(configuration.userPrefix)\(user)" }

    func token(for name: String) -> String {
        if let token = tokens[name] { return token }
        let token = configuration.tokens.mint(user: name, device: nil, expiry: WallClock.seconds() + 86_400)
        tokens[name] = token
        return token
    }

    // MARK: Ramp

    /// Opens this loop's users' connections (users `index`, `index + loops`, ...) at its share
    /// of the connect rate, with at most `maximumConnecting` handshakes in flight.
    func startRamp() {
        rampUsers = Array(stride(from: index, to: configuration.connections, by: loopCount))
        rampStart = .now()
        let perLoopRate = configuration.connectRate / Double(loopCount)
        rampTask = eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(10)) { [self] task in
            let elapsed = Double((NIODeadline.now() - rampStart).nanoseconds) / 1e9
            let due = min(rampUsers.count, Int(elapsed * perLoopRate) + 1)
            while rampNext < due && counters.connecting < Self.maximumConnecting {
                open(rampUsers[rampNext])
                rampNext += 1
            }
            if rampNext == rampUsers.count { task.cancel() }
        }
    }

    private func open(_ user: Int) {
        counters.opened += 1
        counters.connecting += 1
        let connection = LoadConnection(user: user, loop: self, maximumMessageSize: transport.maxFrame)
        let transport = self.transport
        let ready = eventLoop.makePromise(of: Void.self)
        var bootstrap = ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            // Idle links are the common case: small receive buffers until they get busy.
            .channelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536))
        if !configuration.sourceAddresses.isEmpty {
            let source = configuration.sourceAddresses[user % configuration.sourceAddresses.count]
            if let address = try? SocketAddress(ipAddress: source, port: 0) { bootstrap = bootstrap.bind(to: address) }
        }
        let bound = NIOLoopBound(connection, eventLoop: eventLoop)
        bootstrap.channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try transport.configure(channel, ready: ready) { channel in
                    try channel.pipeline.syncOperations.addHandler(bound.value)
                }
            }
        }
        .connect(host: configuration.target.host, port: configuration.target.port)
        .whenComplete { [self] result in
            switch result {
            case .success(let channel):
                transport.start(channel)
                // A server that accepted in the kernel but never answers (out of descriptors,
                // stalled) must not hold the ramp until its limit.
                eventLoop.scheduleTask(in: Self.loginTimeout) { [self] in
                    guard !connection.loggedIn, connection.slot < 0, channel.isActive else { return }
                    counters.connecting -= 1
                    counters.failures["login: no LOGIN_ACK within \(Self.loginTimeout.nanoseconds / 1_000_000_000) s", default: 0] += 1
                    connection.abandoned = true
                    channel.close(promise: nil)
                }
            case .failure(let error):
                counters.connecting -= 1
                counters.failures["connect: \(LoadLoop.describe(error))", default: 0] += 1
            }
        }
        ready.futureResult.whenFailure { [self] error in
            // A refused WebSocket upgrade; the channel closes and `closed` does the accounting.
            counters.failures["upgrade: \(error)", default: 0] += 1
        }
    }

    /// "Connection refused", not NIO's nested description of every address it tried.
    static func describe(_ error: any Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        if let connection = error as? NIOConnectionError, let first = connection.connectionErrors.first {
            return describe(first.error)
        }
        if case ChannelError.connectTimeout = error { return "connect timeout" }
        return "\(error)"
    }

    func loggedIn(_ connection: LoadConnection) {
        counters.connecting -= 1
        counters.loggedIn += 1
        connection.slot = connections.count
        connections.append(connection)
    }

    func failed(_ connection: LoadConnection, reason: String) {
        connection.failedLogin = true
        counters.connecting -= 1
        counters.failures[reason, default: 0] += 1
    }

    func closed(_ connection: LoadConnection) {
        guard connection.slot >= 0 else {
            if !connection.loggedIn && !connection.abandoned && !connection.failedLogin {
                // Closed during the handshake or login, without an answer.
                counters.connecting -= 1
                counters.failures["closed before LOGIN_ACK", default: 0] += 1
            }
            return
        }
        let slot = connection.slot
        let last = connections.removeLast()
        if slot < connections.count {
            connections[slot] = last
            last.slot = slot
        }
        connection.slot = -1
        counters.loggedIn -= 1
        counters.disconnected += 1
    }

    var loggedInUsers: [Int32] { connections.map { Int32($0.user) } }

    // MARK: Measured phase

    /// Sends at `rate / loops` messages per second from `start` until `end`, each stamped with
    /// its intended time; keeps every connection alive with PINGs at half its keep-alive.
    func startSending(recipients: [Int32], start: NIODeadline, end: NIODeadline) {
        self.recipients = recipients
        sendStart = start
        sendEnd = end
        let perLoopRate = configuration.rate / Double(loopCount)
        nanosecondsPerMessage = perLoopRate > 0 ? 1e9 / perLoopRate : .infinity
        if perLoopRate > 0 {
            sendTask = eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(1), delay: .milliseconds(1)) { [self] task in
                sendDue(task)
            }
        }
        let keepAlive = Int64(configuration.keepAlive)
        if keepAlive > 0 {
            pingTask = eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [self] _ in
                let due = NIODeadline.now() - .seconds(max(1, keepAlive / 2))
                for connection in connections where connection.lastWrite < due {
                    connection.ping()
                    counters.pings += 1
                }
            }
        }
    }

    /// At most this many messages per tick, so a stalled loop catching up still reads.
    private static let maximumPerTick = 4096

    private func sendDue(_ task: RepeatedTask) {
        let now = NIODeadline.now()
        let horizon = min(now, sendEnd)
        let elapsed = Double((horizon - sendStart).nanoseconds)
        let due = elapsed < 0 ? 0 : Int(elapsed / nanosecondsPerMessage) + 1
        var budget = Self.maximumPerTick
        var touched: [LoadConnection] = []
        while issued < due && budget > 0 {
            let intended = sendStart.uptimeNanoseconds &+ UInt64(Double(issued) * nanosecondsPerMessage)
            issued += 1
            budget -= 1
            sendOne(intended: intended, touched: &touched)
        }
        for connection in touched { connection.flush() }
        if now >= sendEnd && issued >= due { task.cancel() }
    }

    private func sendOne(intended: UInt64, touched: inout [LoadConnection]) {
        guard !connections.isEmpty, recipients.count > 1 else {
            counters.notSent += 1
            return
        }
        let sender = connections[Int(random.next() % UInt64(connections.count))]
        let (count, size) = configuration.pattern.nextMessage(
            roll: Int(random.next() % 100), payload: configuration.payloadSize, sizeRoll: Double(random.next() % 1024) / 1024)
        let wanted = min(count, recipients.count - 1)
        var chosen: [Int32] = []
        chosen.reserveCapacity(wanted)
        while chosen.count < wanted {
            let candidate = recipients[Int(random.next() % UInt64(recipients.count))]
            if candidate != Int32(sender.user) && !chosen.contains(candidate) { chosen.append(candidate) }
        }
        sequence &+= 1
        counters.messages += 1
        var payload = sender.context?.channel.allocator.buffer(capacity: size) ?? ByteBuffer()
        LoadPayload.write(into: &payload, intendedNanoseconds: intended, sequence: sequence, size: size)
        var wrote = false
        for recipient in chosen {
            if sender.send(to: userName(Int(recipient)), payload: payload) {
                counters.sent += 1
                wrote = true
            } else {
                counters.notSent += 1
            }
        }
        if wrote { touched.append(sender) }
    }

    func stopSending() {
        sendTask?.cancel()
    }

    // MARK: What comes back

    func delivered(payload: ByteBuffer) {
        counters.delivered += 1
        guard let intended = LoadPayload.intendedNanoseconds(in: payload) else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        _ = latency.record(now > intended ? now - intended : 0)
    }

    func acked(_ result: CMPResultCode) {
        counters.acks[result.name, default: 0] += 1
        if result.isSuccess { counters.ackedSuccess += 1 }
    }

    func kicked(_ reason: String) {
        counters.kicks[reason, default: 0] += 1
    }

    func closeAll() {
        pingTask?.cancel()
        sendTask?.cancel()
        rampTask?.cancel()
        for connection in connections { connection.close() }
    }
}

/// xorshift64*: the generator draws several numbers per message, and the system generator's
/// syscall-backed randomness would cost more than the rest of the send.
struct FastRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}
