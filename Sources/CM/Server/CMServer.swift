import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The reference connection manager: one event loop per core, and on every loop its own
/// listener for each address (SO_REUSEPORT), so the kernel spreads accepts over the loops and a
/// connection's accept, reads and writes all stay on one core.
public final class CMServer: Sendable {
    /// A loop as the outside sees it: which thread, pinned where.
    public struct LoopInfo: Sendable, Equatable {
        public var index: Int
        public var threadID: Int
        public var cpu: Int?
    }

    public let metrics: CMMetrics
    /// The listeners as bound (port 0 replaced by the kernel's choice, TLS filled in).
    public let listeners: [ListenAddress]
    /// `HOST:PORT` of `/metrics`, when asked for.
    public let metricsAddress: String?
    public let loopInfo: [LoopInfo]

    private let group: MultiThreadedEventLoopGroup
    private let context: ServerContext
    private let loops: [NIOLoopBound<LoopContext>]
    private let serverChannels: [any Channel]
    private let metricsChannel: (any Channel)?
    private let configuration: CMConfiguration
    /// 0 while running, 1 once drained.
    private let stopped = ConditionLock(value: 0)
    private let drainStarted = NIOLockedValueBox(false)

    public enum StartError: Error, Sendable, CustomStringConvertible {
        case bind(String, any Error)
        case tls(String)

        public var description: String {
            switch self {
            case .bind(let address, let error as IOError):
                return "cannot listen on \(address): \(Errno(rawValue: error.errnoCode)) (errno \(error.errnoCode))"
            case .bind(let address, let error): return "cannot listen on \(address): \(error)"
            case .tls(let message): return "TLS: \(message)"
            }
        }
    }

    /// Starts the loops, binds every listener on every loop, and starts the metrics endpoint.
    /// On any failure everything started so far is stopped again.
    public init(configuration: CMConfiguration, logger: Logger) throws {
        self.configuration = configuration
        let loopCount = max(configuration.loopCPUs.count, 1)
        // NIO pins each thread as it starts; LoopPlacement has already checked the CPUs are
        // online, so the pinning cannot fail there.
        let pinned = configuration.loopCPUs.compactMap { $0 }
        group =
            pinned.count == configuration.loopCPUs.count && !pinned.isEmpty
            ? MultiThreadedEventLoopGroup(pinnedCPUIDs: pinned)
            : MultiThreadedEventLoopGroup(numberOfThreads: loopCount)
        metrics = CMMetrics(loopCount: loopCount)
        let offlineStore: (any OfflineStore)? =
            switch configuration.offlineStore {
            case .none: nil
            case .memory(let perUser, let totalBytes): InMemoryOfflineStore(perUser: perUser, totalBytes: totalBytes)
            }
        context = ServerContext(
            limits: configuration.limits, tokens: configuration.tokens, registry: InMemorySessionRegistry(),
            offlineStore: offlineStore, metrics: metrics, logger: logger,
            reconnectDelayMilliseconds: configuration.reconnectDelayMilliseconds)
        let group = self.group
        do {
            var loops: [NIOLoopBound<LoopContext>] = []
            var infos: [LoopInfo] = []
            for (index, eventLoop) in group.makeIterator().enumerated() {
                let cpu = index < configuration.loopCPUs.count ? configuration.loopCPUs[index] : nil
                let loopMetrics = metrics.loops[index]
                let (bound, threadID) = try eventLoop.submit { () throws -> (NIOLoopBound<LoopContext>, Int) in
                    let loopContext = LoopContext(index: index, eventLoop: eventLoop, metrics: loopMetrics)
                    let sampler = LoopSampler(loop: loopContext)
                    let boundSampler = NIOLoopBound(sampler, eventLoop: eventLoop)
                    eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in boundSampler.value.sample() }
                    return (NIOLoopBound(loopContext, eventLoop: eventLoop), ThreadIdentity.currentThreadID() ?? 0)
                }.wait()
                loops.append(bound)
                infos.append(LoopInfo(index: index, threadID: threadID, cpu: cpu))
                metrics.registry.makeGauge(
                    name: "cm_loop_info",
                    labels: [("loop", String(index)), ("tid", String(threadID)), ("cpu", cpu.map(String.init) ?? "any")],
                    help: "Event loop threads: kernel thread id and pinned CPU"
                ).set(Int64(1))
            }
            self.loops = loops
            loopInfo = infos

            let tls = try Self.makeTLSContext(configuration.tls)
            var channels: [any Channel] = []
            var bound: [ListenAddress] = []
            for listener in configuration.listeners {
                var port = listener.port
                if port != 0 {
                    // SO_REUSEPORT would let this CM share the port with another process's
                    // listener, silently splitting its clients: bind once without it to check
                    // the port is free.
                    do {
                        try ServerBootstrap(group: loops[0].eventLoop)
                            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                            .bind(host: listener.host, port: port).wait()
                            .close().wait()
                    } catch {
                        for channel in channels { channel.close(promise: nil) }
                        throw StartError.bind(listener.resolved(port: port, tls: tls != nil).description, error)
                    }
                }
                for loop in loops {
                    let pipeline = CMPPipeline(server: context, loop: loop, tls: tls, listener: listener)
                    let channel: any Channel
                    do {
                        channel = try Self.bootstrap(on: loop.eventLoop, limits: configuration.limits, pipeline: pipeline)
                            .bind(host: listener.host, port: port).wait()
                    } catch {
                        for channel in channels { channel.close(promise: nil) }
                        throw StartError.bind(listener.resolved(port: port, tls: tls != nil).description, error)
                    }
                    channels.append(channel)
                    // Port 0: the first loop's listener got a port from the kernel; the others join it.
                    if port == 0 { port = channel.localAddress?.port ?? 0 }
                }
                bound.append(listener.resolved(port: port, tls: tls != nil || listener.requiresTLS))
            }
            serverChannels = channels
            listeners = bound

            if let (host, port) = configuration.metrics {
                let metrics = self.metrics
                let registryRoute: PlainHTTPResponder.Route = { path in
                    switch path {
                    case "/metrics": return (.ok, "text/plain; version=0.0.4", metrics.exposition())
                    case "/healthz": return (.ok, "text/plain", Array("ok\n".utf8))
                    default: return (.notFound, "text/plain", Array("try /metrics\n".utf8))
                    }
                }
                do {
                    let channel = try ServerBootstrap(group: group)
                        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                        .childChannelInitializer { channel in
                            channel.eventLoop.makeCompletedFuture {
                                try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                                try channel.pipeline.syncOperations.addHandler(PlainHTTPResponder(route: registryRoute))
                            }
                        }
                        .bind(host: host, port: port).wait()
                    metricsChannel = channel
                    metricsAddress = "\(host):\(channel.localAddress?.port ?? port)"
                } catch {
                    for channel in channels { channel.close(promise: nil) }
                    throw StartError.bind("metrics \(host):\(port)", error)
                }
            } else {
                metricsChannel = nil
                metricsAddress = nil
            }
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
    }

    private static func bootstrap(on loop: any EventLoop, limits: CMLimits, pipeline: CMPPipeline) -> ServerBootstrap {
        ServerBootstrap(group: loop)
            // Reconnect storms: a deep backlog and many accepts per wake-up.
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.maxMessagesPerRead, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(ChannelOptions.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // Idle connections are the common case: start reads small, grow only when busy.
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536))
            .childChannelOption(
                .writeBufferWaterMark,
                value: ChannelOptions.Types.WriteBufferWaterMark(low: limits.writeBufferLimit / 2, high: limits.writeBufferLimit)
            )
            .childChannelInitializer { pipeline.configure($0) }
    }

    private static func makeTLSContext(_ files: TLSFiles?) throws -> NIOSSLContext? {
        guard let files else { return nil }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(files.certificateChain).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: files.privateKey, format: .pem)
            return try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
        } catch {
            throw StartError.tls("cannot use \(files.certificateChain) and \(files.privateKey): \(error)")
        }
    }

    // MARK: Running and stopping

    /// Blocks until `drain` has finished.
    public func waitUntilStopped() {
        stopped.lock(whenValue: 1)
        stopped.unlock()
    }

    public var connectionCount: Int { context.connectionCount }
    public var sessionCount: Int { context.registry.sessionCount }

    /// SIGTERM: stop accepting, send every client `KICK server-shutdown` once its own SENDs are
    /// answered, wait for the connections to go (at most the drain timeout), then stop the loops.
    /// Safe to call more than once; later calls wait for the first.
    public func drain() {
        let first = drainStarted.withLockedValue { started in
            defer { started = true }
            return !started
        }
        guard first else { return }
        context.logger.info("draining", metadata: ["connections": "\(context.connectionCount)"])
        context.startDraining()
        for channel in serverChannels { try? channel.close().wait() }
        for loop in loops {
            loop.eventLoop.execute {
                for connection in loop.value.connections.values { connection.beginDrain() }
            }
        }
        let deadline = NIODeadline.now() + .nanoseconds(Int64(configuration.drainTimeoutSeconds * 1e9))
        while openConnections() > 0 && NIODeadline.now() < deadline {
            usleepMilliseconds(20)
        }
        let left = openConnections()
        if left > 0 {
            context.logger.warning("drain timeout: closing connections still open", metadata: ["connections": "\(left)"])
            for loop in loops {
                loop.eventLoop.execute {
                    for connection in loop.value.connections.values { connection.closeQuietly() }
                }
            }
            let closeDeadline = NIODeadline.now() + .seconds(2)
            while openConnections() > 0 && NIODeadline.now() < closeDeadline { usleepMilliseconds(20) }
        }
        try? metricsChannel?.close().wait()
        // Shut the loops down from a thread that is not one of them.
        try? group.syncShutdownGracefully()
        context.logger.info("drained")
        stopped.lock()
        stopped.unlock(withValue: 1)
    }

    private func openConnections() -> Int {
        loops.reduce(0) { total, loop in
            total + ((try? loop.eventLoop.submit { loop.value.connections.count }.wait()) ?? 0)
        }
    }

    private func usleepMilliseconds(_ milliseconds: Int) {
        var request = timespec(tv_sec: 0, tv_nsec: milliseconds * 1_000_000)
        nanosleep(&request, nil)
    }
}
