import ArgumentParser
import CM
import Dispatch
import Foundation
import Load
import NIOCore
import NIOSSL

extension CMTune {
    /// `cmtune cm load`: drive a CM with simulated IM users.
    struct CMLoad: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "load",
            abstract: "Drive a CMP server with simulated users: ramp connections, send at a fixed rate, measure delivery latency.",
            discussion: """
                Users are load<N>, one connection each, logging in with tokens minted from --secret-file. After the ramp \
                (every connection logged in or failed), messages are sent open-loop: message k is due at start + k/rate \
                whatever happened to earlier ones, and its latency is measured from that intended time to its DELIVER, so \
                a stall is never hidden (no coordinated omission). A fanout:N message is N SENDs (CMP v1 has no rooms in \
                the reference CM). Exit status 0 when every message acked as delivered arrived, 1 otherwise.
                """
        )

        @Option(name: .long, help: ArgumentHelp("The CM: tcp://HOST:PORT, ws://HOST:PORT/PATH, tls://, wss://.", valueName: "URL"))
        var target: String

        @OptionGroup var secret: SecretOptions

        @Option(name: .long, help: "Connections (one simulated user each).")
        var connections = 1000

        @Option(name: .long, help: ArgumentHelp("New connections per second during the ramp.", valueName: "N/s"))
        var connectRate = RateArgument(perSecond: 5000)

        @Option(name: .long, help: ArgumentHelp("Messages per second once all are connected (0: connect and idle).", valueName: "N/s"))
        var rate = RateArgument(perSecond: 1000)

        @Option(name: .long, help: ArgumentHelp("p2p, fanout:N or mixed.", valueName: "PATTERN"))
        var pattern = "p2p"

        @Option(name: .long, help: "Payload bytes per message (at least 20: the latency header).")
        var payload = 128

        @Option(name: .long, help: ArgumentHelp("Length of the measured phase, after the ramp.", valueName: "DURATION"))
        var duration = DurationArgument(seconds: 10)

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Local addresses to spread connections over: A-B or A,B,C (default for a 127.x target with over 10000 connections: 127.0.1.1 onwards).",
                valueName: "RANGE"))
        var sourceIps: String?

        @Flag(name: .long, help: "Speak WebSocket to a tcp:// target's host and port at path /cm.")
        var ws = false

        @Option(name: .long, help: "Event loops (default: one per core).")
        var loops: Int?

        @Option(name: .long, help: ArgumentHelp("Keep-alive asked for in LOGIN; PINGs go at half of it.", valueName: "DURATION"))
        var keepalive = DurationArgument(seconds: 60)

        @Option(name: .long, help: ArgumentHelp("After the measured phase, how long to wait for messages in flight.", valueName: "DURATION"))
        var drain = DurationArgument(seconds: 3)

        @Option(name: .long, help: ArgumentHelp("The CM's pid: report its CPU time and deliveries per CM CPU second.", valueName: "PID"))
        var cmPid: Int32?

        @Option(name: .long, help: ArgumentHelp("PEM file of the CA (or self-signed certificate) to trust for tls:// and wss://.", valueName: "FILE"))
        var tlsCa: String?

        @Option(name: .long, help: "User name prefix (two generators against one CM need different ones).")
        var userPrefix = "load"

        @Flag(name: .long, help: "One JSON object at the end instead of the summary; no progress.")
        var json = false

        func validate() throws {
            guard connections >= 1 else { throw ValidationError("--connections: at least 1") }
            guard connectRate.perSecond > 0 else { throw ValidationError("--connect-rate: more than 0") }
            guard payload >= 0, payload <= 1 << 20 else { throw ValidationError("--payload: from 0 to 1MiB") }
            guard duration.seconds > 0 else { throw ValidationError("--duration: more than 0") }
            if let loops, loops < 1 { throw ValidationError("--loops: at least 1") }
            _ = try parsedPattern()
            _ = try parsedTarget()
            if let sourceIps {
                do { _ = try SourceAddresses.parse(sourceIps) } catch { throw ValidationError(error.description) }
            }
        }

        private func parsedPattern() throws -> LoadPattern {
            do { return try LoadPattern(parsing: pattern) } catch { throw ValidationError(error.description) }
        }

        private func parsedTarget() throws -> ListenAddress {
            var address: ListenAddress
            do { address = try ListenAddress(parsing: target) } catch { throw ValidationError("--target \(target): \(error.reason)") }
            if ws && address.transport == .tcp {
                address = ListenAddress(transport: .webSocket, host: address.host, port: address.port, path: "/cm", requiresTLS: address.requiresTLS)
            }
            return address
        }

        func run() throws {
            let tokens = try TokenAuthority.load(secretFile: secret.secretFile)
            let address = try parsedTarget()
            var tls = TLSConfiguration.makeClientConfiguration()
            if let tlsCa { tls.trustRoots = .file(tlsCa) }
            let sources =
                try sourceIps.map { try SourceAddresses.parse($0) }
                ?? SourceAddresses.automatic(forTarget: address.host, connections: connections)
            let configuration = LoadConfiguration(
                target: address, tokens: tokens, connections: connections, connectRate: connectRate.perSecond, rate: rate.perSecond,
                pattern: try parsedPattern(), payloadSize: payload, duration: duration.seconds, sourceAddresses: sources,
                loops: loops ?? NIOCore.System.coreCount, keepAlive: UInt16(clamping: Int(keepalive.seconds)), drainSeconds: drain.seconds,
                tls: tls, userPrefix: userPrefix)
            let generator: LoadGenerator
            do {
                generator = try LoadGenerator(configuration: configuration, cmPID: cmPid)
            } catch {
                Console.error("cm load: \(error)")
                throw ExitCode(2)
            }
            let showProgress = !json && Console.standardErrorIsTerminal
            let outcome = BlockingTask.run {
                try await generator.run(progress: { progress in
                    if showProgress { Console.writeStandardError("\r\u{1B}[K" + LoadSummary.progressLine(progress, of: configuration.connections)) }
                })
            }
            if showProgress { Console.writeStandardError("\r\u{1B}[K") }
            let result: LoadResult
            switch outcome {
            case .success(let value): result = value
            case .failure(let error):
                Console.error("cm load: \(error)")
                throw ExitCode(2)
            }
            if json {
                try SortedJSON.print(result)
            } else {
                print(LoadSummary.text(result))
            }
            if !result.succeeded { throw ExitCode(1) }
        }
    }
}

/// Runs async work from a synchronous command and waits for it: the CLI's commands are
/// synchronous, and the generator's own loops do the work, so the blocked thread costs nothing.
enum BlockingTask {
    static func run<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) -> Result<T, any Error> {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do { box.set(.success(try await work())) } catch { box.set(.failure(error)) }
            done.signal()
        }
        done.wait()
        return box.get()!
    }
}

private final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<T, any Error>?
    func set(_ result: Result<T, any Error>) { lock.withLock { value = result } }
    func get() -> Result<T, any Error>? { lock.withLock { value } }
}
