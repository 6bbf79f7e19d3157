import ArgumentParser
import CM
import Dispatch
import HostKit
import Logging

#if canImport(Glibc)
import Glibc
#endif

extension CMTune {
    /// `cmtune cm serve`: run the reference connection manager until SIGTERM.
    struct CMServe: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Run the reference connection manager: CMP over TCP and WebSocket, one event loop per core.",
            discussion: """
                Each loop has its own listener on every address (SO_REUSEPORT), so accepts and I/O of a connection stay on \
                one core. --pin auto keeps the loops off the CPUs that take NIC interrupts placed by 'cmtune spread', else \
                uses every online CPU. SIGTERM (or Ctrl-C) drains: no new connections, every client gets KICK \
                server-shutdown once its own messages are answered, then the CM exits 0. \
                Prints one 'listening on URL' line per listener on stdout when ready.
                """
        )

        @OptionGroup var secret: SecretOptions

        @Option(name: .long, help: ArgumentHelp("tcp://HOST:PORT or ws://HOST:PORT/PATH (tls://, wss://: inside TLS); repeatable.", valueName: "URL"))
        var listen: [String] = ["tcp://0.0.0.0:7000"]

        @Option(name: .long, help: ArgumentHelp("Event loops: auto (one per CPU used) or a number.", valueName: "auto|N"))
        var loops = "auto"

        @Option(name: .long, help: ArgumentHelp("Pin loop threads: auto, off, or a CPU list.", valueName: "auto|off|CPULIST"))
        var pin = "auto"

        @Option(name: .long, help: ArgumentHelp("Serve Prometheus metrics at http://HOST:PORT/metrics.", valueName: "HOST:PORT"))
        var metrics: String?

        @Option(name: .long, help: "Most connections the server holds.")
        var maxConnections = 1_000_000

        @Option(name: .long, help: "Most connections from one IP address (0: no limit).")
        var maxPerIp = 0

        @Option(name: .long, help: ArgumentHelp("Largest CMP message accepted.", valueName: "SIZE"))
        var maxFrame = ByteSizeArgument(bytes: 64 << 10)

        @Option(name: .long, help: ArgumentHelp("Keep-alive granted when a client asks 0, and the most it may ask.", valueName: "DURATION"))
        var idleTimeout = DurationArgument(seconds: 90)

        @Option(name: .long, help: ArgumentHelp("Time a connection has to log in.", valueName: "DURATION"))
        var loginTimeout = DurationArgument(seconds: 10)

        @Option(name: .long, help: "SENDs per second per connection (0: no limit).")
        var sendRate = 1000

        @Option(name: .long, help: ArgumentHelp("Unread bytes queued for one client before it is dropped as a slow consumer.", valueName: "SIZE"))
        var maxWriteBuffer = ByteSizeArgument(bytes: 1 << 20)

        @Option(name: .long, help: ArgumentHelp("Offline store: none (SEND to an offline user is refused) or memory.", valueName: "none|memory"))
        var offlineStore = "none"

        @Option(name: .long, help: ArgumentHelp("PEM certificate chain: every listener speaks TLS.", valueName: "FILE"))
        var tlsCert: String?

        @Option(name: .long, help: ArgumentHelp("PEM private key for --tls-cert.", valueName: "FILE"))
        var tlsKey: String?

        @Option(name: .long, help: ArgumentHelp("After SIGTERM, how long in-flight messages may take.", valueName: "DURATION"))
        var drainTimeout = DurationArgument(seconds: 10)

        @Option(name: .long, help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error.", valueName: "LEVEL"))
        var logLevel = "info"

        @Option(name: .long, help: ArgumentHelp("Where 'cmtune spread' keeps snapshots (for --pin auto).", valueName: "DIR"))
        var stateDir = "/var/lib/cmtune/snapshots"

        func validate() throws {
            for url in listen { _ = try parsedListener(url) }
            if listen.isEmpty { throw ValidationError("--listen: at least one listener") }
            if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
            if tlsCert == nil, let secure = try listen.map(parsedListener).first(where: \.requiresTLS) {
                throw ValidationError("--listen \(secure): TLS needs --tls-cert and --tls-key")
            }
            if loops != "auto" && (Int(loops) ?? 0) < 1 { throw ValidationError("--loops \(loops): auto or a number of at least 1") }
            _ = try pinRequest()
            if let metrics { _ = try hostPort(metrics) }
            guard maxConnections >= 1 else { throw ValidationError("--max-connections: at least 1") }
            guard maxPerIp >= 0, sendRate >= 0 else { throw ValidationError("--max-per-ip and --send-rate: 0 or more") }
            guard maxFrame.bytes >= 64, maxFrame.bytes <= 268_435_455 else { throw ValidationError("--max-frame \(maxFrame): from 64 bytes to 256MiB") }
            guard maxWriteBuffer.bytes >= 4096 else { throw ValidationError("--max-write-buffer \(maxWriteBuffer): at least 4KiB") }
            guard idleTimeout.seconds >= 1, idleTimeout.seconds <= 65535 else { throw ValidationError("--idle-timeout \(idleTimeout): from 1s to 65535s") }
            guard ["none", "memory"].contains(offlineStore) else { throw ValidationError("--offline-store \(offlineStore): none or memory") }
            guard Logger.Level(rawValue: logLevel) != nil else {
                throw ValidationError("--log-level \(logLevel): trace, debug, info, notice, warning, error or critical")
            }
        }

        func run() throws {
            var handler = StreamLogHandler.standardError(label: "cmtune.cm")
            handler.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            let logger = Logger(label: "cmtune.cm") { _ in handler }

            let tokens = try TokenAuthority.load(secretFile: secret.secretFile)
            let placement = try loopPlacement()
            let limits = CMLimits(
                maxConnections: maxConnections, maxPerAddress: maxPerIp, maxFrame: maxFrame.bytes,
                idleTimeout: Int(idleTimeout.seconds), loginTimeoutSeconds: loginTimeout.seconds, sendRate: sendRate,
                writeBufferLimit: maxWriteBuffer.bytes)
            let configuration = CMConfiguration(
                listeners: try listen.map(parsedListener), loopCPUs: placement.loopCPUs,
                metrics: try metrics.map(hostPort), limits: limits,
                tls: tlsCert.map { TLSFiles(certificateChain: $0, privateKey: tlsKey ?? "") }, tokens: tokens,
                offlineStore: offlineStore == "memory" ? .memory(perUser: 1000, totalBytes: 256 << 20) : .none,
                drainTimeoutSeconds: drainTimeout.seconds)

            let server: CMServer
            do {
                server = try CMServer(configuration: configuration, logger: logger)
            } catch {
                Console.error("cm serve: \(error)")
                throw ExitCode(2)
            }
            for listener in server.listeners { announce("listening on \(listener)") }
            if let address = server.metricsAddress { announce("metrics on http://\(address)/metrics") }
            announce(placement.explanation)
            announce("pid \(getpid()); SIGTERM or Ctrl-C drains and stops")

            let signals = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { server.drain() }
                source.resume()
                return source
            }
            server.waitUntilStopped()
            for signal in signals { signal.cancel() }
        }

        /// Status lines on stdout, flushed at once so a supervisor or test reading a pipe sees them.
        private func announce(_ line: String) {
            print("cmtune cm: \(line)")
            fflush(nil)  // all streams: `stdout` itself is not concurrency-safe to name
        }

        private func parsedListener(_ url: String) throws -> ListenAddress {
            do {
                return try ListenAddress(parsing: url)
            } catch {
                throw ValidationError(error.description)
            }
        }

        private func pinRequest() throws -> LoopPlacement.Pin {
            switch pin {
            case "auto": return .auto
            case "off": return .off
            default:
                do {
                    return .cpus(try CPUSet(parsingList: pin))
                } catch {
                    throw ValidationError("--pin \(pin): \(error)")
                }
            }
        }

        private func hostPort(_ text: String) throws -> (host: String, port: Int) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
                throw ValidationError("--metrics \(text): expected HOST:PORT, e.g. 127.0.0.1:9100")
            }
            let host = text[..<colon].trimmingPrefix("[")
            return (String(host.hasSuffix("]") ? host.dropLast() : host), port)
        }

        private func loopPlacement() throws -> LoopPlacement.Plan {
            let root = HostRoot("/")
            let online: CPUSet
            do {
                online = try CPUSet(parsingList: try root.readIfPresent("sys/devices/system/cpu/online") ?? "0")
            } catch {
                throw ValidationError("cannot read the online CPUs: \(error)")
            }
            do {
                return try LoopPlacement.plan(
                    loops: loops == "auto" ? nil : Int(loops), pin: try pinRequest(), online: online,
                    nicIRQCPUs: PlacedInterrupts.cpus(stateDirectory: stateDir, root: root))
            } catch let error as LoopPlacement.PlacementError {
                throw ValidationError(error.description)
            }
        }
    }
}
