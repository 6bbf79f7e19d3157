import CM
import Histogram
import NIOCore
import NIOPosix

/// Drives a CM: ramps the connections up, sends at a fixed rate for the measured phase, waits
/// for deliveries in flight, and sums what every loop measured.
///
/// Phases: ramp (each loop opens its users' connections at its share of `connectRate`; done
/// when every connection is logged in or has failed), send (open loop: message k is due at
/// `start + k / rate`, whatever happened to message k-1), drain (no new messages; wait until
/// every acked message is delivered or `drainSeconds` pass).
public final class LoadGenerator: Sendable {
    public struct Progress: Sendable {
        public enum Phase: String, Sendable { case ramp, send, drain }
        public var phase: Phase
        public var elapsed: Double
        public var loggedIn: Int
        public var failed: Int
        public var sent: Int
        public var delivered: Int
        public var ackedSuccess: Int
    }

    public let configuration: LoadConfiguration
    private let group: MultiThreadedEventLoopGroup
    private let loops: [NIOLoopBound<LoadLoop>]
    /// The CM's pid, to measure its CPU time over the measured phase.
    private let cmPID: Int32?

    public init(configuration: LoadConfiguration, cmPID: Int32? = nil) throws {
        self.configuration = configuration
        self.cmPID = cmPID
        let transport = try CMPClientTransport(address: configuration.target, tls: configuration.tls)
        group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.loops)
        var loops: [NIOLoopBound<LoadLoop>] = []
        for (index, eventLoop) in group.makeIterator().enumerated() {
            let loop = try eventLoop.submit {
                NIOLoopBound(
                    LoadLoop(index: index, eventLoop: eventLoop, configuration: configuration, transport: transport, loopCount: configuration.loops),
                    eventLoop: eventLoop)
            }.wait()
            loops.append(loop)
        }
        self.loops = loops
    }

    deinit {
        try? group.syncShutdownGracefully()
    }

    /// Runs the three phases; `progress` is called about once a second from a background thread.
    public func run(progress: @escaping @Sendable (Progress) -> Void = { _ in }) async throws -> LoadResult {
        let started = NIODeadline.now()
        func seconds(since start: NIODeadline) -> Double { Double((NIODeadline.now() - start).nanoseconds) / 1e9 }

        // Ramp.
        for loop in loops { loop.eventLoop.execute { loop.value.startRamp() } }
        let rampLimit = Double(configuration.connections) / max(configuration.connectRate, 1) + 30
        var lastReport = NIODeadline.now()
        while true {
            let counters = try await totals()
            let settled =
                counters.loggedIn + counters.failed + counters.disconnected >= configuration.connections
                && counters.connecting == 0
            if NIODeadline.now() - lastReport >= .seconds(1) {
                lastReport = .now()
                progress(
                    Progress(
                        phase: .ramp, elapsed: seconds(since: started), loggedIn: counters.loggedIn, failed: counters.failed, sent: 0, delivered: 0,
                        ackedSuccess: 0))
            }
            if settled || seconds(since: started) > rampLimit { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let rampSeconds = seconds(since: started)

        // Send.
        var recipients: [Int32] = []
        for loop in loops {
            recipients += try await loop.eventLoop.submit { loop.value.loggedInUsers }.get()
        }
        let cpuBefore = ProcessCPUTime.ofSelf()
        let cmBefore = cmPID.flatMap(ProcessCPUTime.of(pid:))
        let sendStart = NIODeadline.now() + .milliseconds(20)
        let sendEnd = sendStart + .nanoseconds(Int64(configuration.duration * 1e9))
        let shared = recipients
        for loop in loops {
            loop.eventLoop.execute { loop.value.startSending(recipients: shared, start: sendStart, end: sendEnd) }
        }
        while NIODeadline.now() < sendEnd {
            try await Task.sleep(for: .milliseconds(min(1000, max(1, Int((sendEnd - NIODeadline.now()).nanoseconds / 1_000_000)))))
            let counters = try await totals()
            progress(
                Progress(
                    phase: .send, elapsed: seconds(since: started), loggedIn: counters.loggedIn, failed: counters.failed, sent: counters.sent,
                    delivered: counters.delivered, ackedSuccess: counters.ackedSuccess))
        }

        // Drain: stop every loop's sending first and wait until each has, so the count of SENDs
        // is final before answers are compared with it (a loop's last tick may still be due).
        for loop in loops {
            try await loop.eventLoop.submit { loop.value.stopSending() }.get()
        }
        let drainStart = NIODeadline.now()
        var counters = try await totals()
        while seconds(since: drainStart) < configuration.drainSeconds {
            counters = try await totals()
            let answered = counters.acks.values.reduce(0, +)
            if answered >= counters.sent && counters.delivered >= counters.ackedSuccess { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let drained = seconds(since: drainStart)
        let cpuAfter = ProcessCPUTime.ofSelf()
        let cmAfter = cmPID.flatMap(ProcessCPUTime.of(pid:))
        progress(
            Progress(
                phase: .drain, elapsed: seconds(since: started), loggedIn: counters.loggedIn, failed: counters.failed, sent: counters.sent,
                delivered: counters.delivered, ackedSuccess: counters.ackedSuccess))

        // Collect: counters and latencies of a loop in one step, then close, so no delivery
        // lands between the two and the histogram counts exactly the deliveries.
        var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1_000, highestTrackableValue: 120_000_000_000)
        counters = LoadCounters()
        for loop in loops {
            let (part, latency) = try await loop.eventLoop.submit { () -> (LoadCounters, Histogram<UInt64>) in
                loop.value.stopSending()
                let measured = (loop.value.counters, loop.value.latency)
                loop.value.closeAll()
                return measured
            }.get()
            counters.add(part)
            histogram.add(latency)
        }

        let measured = configuration.duration
        let cmCPU = zip(cmBefore, cmAfter).map { $1 - $0 }
        return LoadResult(
            target: configuration.target.description, pattern: configuration.pattern.description, payloadBytes: configuration.payloadSize,
            connectionsRequested: configuration.connections, connectionsOK: counters.loggedIn + counters.disconnected,
            connectionsFailed: counters.failed, failures: counters.failures, rampSeconds: rampSeconds, seconds: measured,
            rateRequested: configuration.rate, messages: counters.messages, messageRate: Double(counters.messages) / measured,
            sent: counters.sent, notSent: counters.notSent, acks: counters.acks,
            ackedSuccess: counters.ackedSuccess, delivered: counters.delivered,
            lost: max(0, counters.ackedSuccess - counters.delivered), disconnected: counters.disconnected, kicks: counters.kicks,
            sendRate: Double(counters.sent) / measured, deliveryRate: Double(counters.delivered) / (measured + drained),
            latency: histogram.totalCount > 0 ? LoadResult.Latency(histogram) : nil,
            generatorCPUSeconds: cpuAfter - cpuBefore, cmCPUSeconds: cmCPU,
            deliveriesPerCMCPUSecond: cmCPU.flatMap { $0 > 0 ? Double(counters.delivered) / $0 : nil })
    }

    private func totals() async throws -> LoadCounters {
        var sum = LoadCounters()
        for loop in loops {
            sum.add(try await loop.eventLoop.submit { loop.value.counters }.get())
        }
        return sum
    }
}

private func zip(_ a: Double?, _ b: Double?) -> (Double, Double)? {
    guard let a, let b else { return nil }
    return (a, b)
}
