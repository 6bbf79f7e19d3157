import ArgumentParser
import Capture
import Decode
import HostKit
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

extension CMTune {
    /// `cmtune capture -i IFACE`: capture live with libpcap, decode as it goes, optionally save.
    struct CaptureCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "capture",
            abstract: "Capture live with libpcap and decode MQTT and CMP as they arrive; -w also writes a pcap file tshark reads.",
            discussion: """
                Stops after -c packets, after --duration, or on Ctrl-C, then says how many packets the kernel \
                received and dropped. With -w and neither --json, --stats nor a filter it only writes the file, like tcpdump -w; \
                the filters (--client, --topic, --type) choose what is shown, never what -w writes. \
                --rotate-size and --rotate-every split what -w writes into numbered files (cm.000001.pcap, ...) \
                that `cmtune decode cm.*.pcap` reads as one capture; --keep-files makes them a ring of the newest. \
                Messages are decoded on a thread per online CPU, as decode does, and their lines shown within \
                a quarter second; what -w writes reaches the file as often, so the file can be read while the \
                capture runs. Capturing needs root (CAP_NET_RAW).
                """
        )

        @Option(name: [.customShort("i"), .long], help: "Interface to capture on (`any` for all).")
        var interface: String

        @Option(name: [.customShort("f"), .long], help: "BPF capture filter, as tcpdump takes it (e.g. 'tcp port 1883').")
        var filter: String?

        @Option(name: [.customShort("w"), .long], help: ArgumentHelp("Also write the packets to this pcap file.", valueName: "FILE"))
        var write: String?

        @Option(
            name: .long,
            help: ArgumentHelp(
                "With -w, start a new file before one would pass this size (e.g. 100MiB), as tcpdump -C; files are numbered: -w cm.pcap writes cm.000001.pcap, cm.000002.pcap, ...",
                valueName: "BYTES"))
        var rotateSize: ByteSizeArgument?

        @Option(
            name: .long,
            help: ArgumentHelp("With -w, start a new file every this long of capture time (e.g. 10m), as tcpdump -G.", valueName: "DURATION"))
        var rotateEvery: DurationArgument?

        @Option(
            name: .long,
            help: ArgumentHelp(
                "With --rotate-size or --rotate-every, keep only the newest N files, deleting the oldest as each new one starts.", valueName: "N"))
        var keepFiles: Int?

        @Option(name: [.customShort("c"), .long], help: "Stop after this many packets.")
        var count: Int?

        @Option(name: .long, help: "Stop after this long (e.g. 30s, 5m).")
        var duration: DurationArgument?

        @Option(name: .long, help: "Bytes kept of each packet (default 262144: whole packets).")
        var snaplen = 262_144

        @Option(name: .long, help: ArgumentHelp("Kernel capture buffer in bytes; raise it if the kernel drops packets.", valueName: "BYTES"))
        var bufferSize = 8 << 20

        @Option(name: .long, help: ArgumentHelp("Capture inside this named network namespace (ip netns).", valueName: "NAME"))
        var netns: String?

        @OptionGroup
        var decoding: DecodeOptions

        func validate() throws {
            if let count, count < 1 { throw ValidationError("-c \(count): give 1 or more") }
            guard (64...262_144).contains(snaplen) else { throw ValidationError("--snaplen \(snaplen): between 64 and 262144") }
            let rotates = rotateSize != nil || rotateEvery != nil
            if rotates && write == nil { throw ValidationError("--rotate-size and --rotate-every need -w FILE") }
            if rotates && write == "-" { throw ValidationError("-w -: standard output is one stream and cannot rotate; give a file name") }
            if keepFiles != nil && !rotates { throw ValidationError("--keep-files needs --rotate-size or --rotate-every") }
            if let keepFiles, keepFiles < 1 { throw ValidationError("--keep-files \(keepFiles): keep 1 or more") }
            if let rotateSize, rotateSize.bytes < 1024 { throw ValidationError("--rotate-size \(rotateSize): at least 1KiB") }
            if let rotateEvery, !(rotateEvery.seconds > 0) { throw ValidationError("--rotate-every \(rotateEvery): longer than 0") }
        }

        func run() throws {
            var options = PcapLiveCapture.Options()
            options.snapshotLength = snaplen
            options.bufferSize = bufferSize
            options.filter = filter
            options.networkNamespace = netns
            let capture: PcapLiveCapture
            do {
                capture = try PcapLiveCapture(interface: interface, options: options)
            } catch {
                Console.error("\(error)")
                throw ExitCode(2)
            }
            for warning in capture.warnings { Console.error("warning: \(warning)") }
            // As tcpdump says it: from here on the kernel keeps every packet for us (a script, or
            // a test, waits for this line before it sends traffic).
            Console.writeStandardError(
                "listening on \(interface), link-type \(LinkType.name(capture.linkType)), snapshot length \(snaplen) bytes\n")
            var writer: RotatingPcapWriter?
            if let write {
                do {
                    let policy = RotatingPcapWriter.Policy(maximumBytes: rotateSize?.bytes, interval: rotateEvery?.seconds, keep: keepFiles)
                    writer = try RotatingPcapWriter(path: write, linkType: capture.linkType, snapshotLength: snaplen, policy: policy)
                } catch {
                    Console.error("\(error)")
                    throw ExitCode(2)
                }
            }
            let decodeOptions = try decoding.pipelineOptions()
            // -w alone only writes the file, as tcpdump -w; asking for a format or a filter shows lines too.
            let quietFile = write != nil && !decoding.json && !decoding.stats && decodeOptions.filter.isEmpty
            // A status line on a terminal's stderr when lines do not go to the same terminal
            // (-w alone, --stats, or lines piped on), as tcpdump -w counts what it got.
            let output = DecodeOutput(showsLines: !quietFile && decoding.format != nil)
            // Nothing to decode when the packets only go to the file.
            let session =
                quietFile
                ? nil : DecodeSession(options: decodeOptions, format: decoding.format, threads: decoding.threads.count, output: output.stream)

            /// Writes out the lines decoded so far and puts what -w holds on disk, where another
            /// program can read it; the write error, if any.
            func flushOutput() -> String? {
                session?.flush()
                do {
                    try writer?.flush()
                    return nil
                } catch {
                    return "\(error)"
                }
            }

            CaptureStop.install(capture.breaker)
            let deadline = duration.map { MonotonicClock.now() + $0.seconds }
            var captured = 0
            var lastFlush = MonotonicClock.now()
            var failure: String?
            while !CaptureStop.requested.load(ordering: .relaxed) {
                if let deadline, MonotonicClock.now() >= deadline { break }
                output.status(Self.status(interface: interface, captured: captured, capture: capture, writer: writer))
                let packet: CapturedPacket?
                do {
                    packet = try capture.next(timeout: .milliseconds(200))
                } catch {
                    failure = "\(error)"
                    break
                }
                guard let packet else {
                    if capture.isStopped { break }
                    // Nothing for a while: show the lines decoded so far instead of holding them.
                    if let error = flushOutput() {
                        failure = error
                        break
                    }
                    continue
                }
                captured += 1
                do {
                    try writer?.write(packet)
                } catch {
                    failure = "\(error)"
                    break
                }
                session?.process(packet)
                // Lines reach the reader within a quarter second, as tcpdump's do, however slow the traffic.
                let now = MonotonicClock.now()
                if now - lastFlush >= 0.25 {
                    if let error = flushOutput() {
                        failure = error
                        break
                    }
                    lastFlush = now
                }
                if output.stream.isClosed { break }
                if let count, captured >= count { break }
            }
            if failure == nil, !output.stream.isClosed {
                // What the kernel captured before the stop, so a stop loses no packet it holds.
                failure = drainBuffered(capture, captured: &captured, writer: writer, session: session)
            }
            session?.finish()
            output.finish()
            do {
                try writer?.close()
            } catch {
                failure = failure ?? "\(error)"
            }
            if let report = session?.report {
                output.stream.write(decoding.render(report))
                output.stream.flush()
            }
            let counters = try? capture.statistics()
            Console.writeStandardError(
                "\(captured) packets captured"
                    + (counters.map {
                        ", \($0.received) received by the filter, \($0.droppedByKernel) dropped by the kernel, \($0.droppedByInterface) dropped by the interface"
                    } ?? "")
                    + (writer.map { "; written to " + Self.describe($0) } ?? "") + "\n")
            if let failure {
                Console.error(failure)
                throw ExitCode(1)
            }
        }

        /// Writes and decodes the packets the kernel still holds, within -c; the error, if any.
        private func drainBuffered(_ capture: PcapLiveCapture, captured: inout Int, writer: RotatingPcapWriter?, session: DecodeSession?) -> String? {
            do {
                while count.map({ captured < $0 }) ?? true, let packet = try capture.nextBuffered() {
                    captured += 1
                    try writer?.write(packet)
                    session?.process(packet)
                }
                return nil
            } catch {
                return "\(error)"
            }
        }

        /// `eth0: 1234 packets, 0 dropped by the kernel; writing cm.000003.pcap`.
        static func status(interface: String, captured: Int, capture: PcapLiveCapture, writer: RotatingPcapWriter?) -> String {
            let dropped = (try? capture.statistics()).map { ", \($0.droppedByKernel) dropped by the kernel" } ?? ""
            let file = writer?.files.last.map { "; writing \($0)" } ?? ""
            return "\(interface): \(captured) packets\(dropped)\(file)"
        }

        /// `cm.pcap`, or for a rotated series `cm.000003.pcap ... cm.000007.pcap (5 files; 2 older deleted)`.
        static func describe(_ writer: RotatingPcapWriter) -> String {
            guard writer.policy.rotates, let first = writer.files.first, let last = writer.files.last else {
                return writer.files.first ?? ""
            }
            let count = writer.files.count
            let range = count == 1 ? first : "\(first) ... \(last)"
            let deleted = writer.deletedFiles > 0 ? "; \(writer.deletedFiles) older deleted" : ""
            return "\(range) (\(count) file\(count == 1 ? "" : "s")\(deleted))"
        }
    }
}

/// Ctrl-C, SIGTERM and SIGHUP stop a capture: a flag for the loop, and the breaker to wake a
/// capture waiting for packets.
enum CaptureStop {
    static let requested = Atomic<Bool>(false)
    nonisolated(unsafe) private static var breaker: PcapBreaker?

    static func install(_ breaker: PcapBreaker) {
        Self.breaker = breaker
        StopSignals.unblock()
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber) { _ in
                CaptureStop.requested.store(true, ordering: .relaxed)
                CaptureStop.breaker?.breakLoop()
            }
        }
    }
}

/// The stop signals, unblocked: a parent (a test runner, a supervisor) may have left them
/// blocked, and blocked signals are inherited across exec, so Ctrl-C would never arrive.
enum StopSignals {
    static func unblock() {
        var set = sigset_t()
        sigemptyset(&set)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, signalNumber) }
        sigprocmask(SIG_UNBLOCK, &set, nil)
    }
}
