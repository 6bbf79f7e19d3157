import ArgumentParser
import Capture
import HostKit

extension CMTune {
    /// `cmtune decode FILE...`: read the IM conversation in pcap and pcapng files.
    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "decode",
            abstract: "Decode MQTT (3.1, 3.1.1, 5.0) and CMP conversations in pcap/pcapng files: one line per message, JSON lines, or a summary.",
            discussion: """
                TCP is reassembled per direction (out-of-order, retransmitted and overlapping segments handled; holes \
                reported as gaps, decoding resumes at the next message boundary). MQTT is recognised on ports 1883 and \
                8883, CMP (the reference CM's protocol, docs/protocol.md) on port 7000, either on any port given with \
                --port, and on any port where a stream starts with an MQTT CONNECT or a CMP LOGIN, or with an HTTP \
                upgrade to WebSocket carrying either (subprotocol mqtt or cmp, or by content). Files are read \
                in the order given as one capture (rotated files continue each other's connections).

                Filters keep what matches all of them (the values of one are alternatives), and --stats counts \
                only what they keep. Text times are seconds since the first packet read.

                Lines are decoded on a thread per online CPU (at most 4; --threads), each taking a share of the \
                connections while the reading thread reassembles TCP; they come out in capture order, the same \
                bytes as on one thread. --stats counts the same way, and its shares add up to what one thread \
                counts.

                A file that is corrupt or cut short is reported on stderr (exit status 1) and read up to that point.
                """
        )

        @Argument(help: "pcap or pcapng files.")
        var files: [String]

        @Flag(name: .long, help: "JSON lines, one object per message (schema in docs/json.md).")
        var json = false

        @Flag(name: .long, help: "A summary instead of messages: types, clients and users, topics, request/ack latency, gaps.")
        var stats = false

        @Option(name: .customLong("port"), help: ArgumentHelp("Decode this server port as PROTOCOL (e.g. 8884=mqtt, 7443=cmp); repeatable.", valueName: "PORT=PROTOCOL"))
        var ports: [String] = []

        @OptionGroup(title: "Filters")
        var filters: MessageFilterOptions

        @Option(name: .long, help: ArgumentHelp("Largest MQTT or CMP message accepted, in bytes; larger ones are reported and skipped.", valueName: "BYTES"))
        var maxMessageSize = 16 << 20

        @OptionGroup
        var threads: DecodeThreadsOption

        func validate() throws {
            var hints = ProtocolHints.defaults
            for port in ports {
                if let problem = hints.add(port) { throw ValidationError(problem) }
            }
            guard maxMessageSize >= 2, maxMessageSize <= 268_435_460 else {
                throw ValidationError("--max-message-size \(maxMessageSize): between 2 and 268435460 (the limit of MQTT's and CMP's framing)")
            }
        }

        func run() throws {
            var hints = ProtocolHints.defaults
            for port in ports { _ = hints.add(port) }
            let options = DecodePipeline.Options(hints: hints, maximumMessageSize: maxMessageSize, collectStatistics: stats, filter: try filters.filter())
            let output = DecodeOutput(format: stats ? nil : json ? .json : .text, quiet: false)
            // Lines (or statistics) from several threads when there are cores for them.
            let engine = DecodeEngine(options: options, output: output, threads: threads.count)
            let failed = read(into: output) { engine.process($0) }
            engine.finish()
            if stats, let report = engine.report { write(report, to: output) }
            if failed { throw ExitCode(1) }
        }

        private func write(_ report: StatisticsReport, to output: DecodeOutput) {
            if json { output.stream.write(report.json()) } else { output.stream.write(report.text() + "\n") }
            output.stream.flush()
        }

        /// Reads every file in turn into `process`; true when one could not be read to its end
        /// (reported on stderr).
        private func read(into output: DecodeOutput, _ process: (CapturedPacket) -> Void) -> Bool {
            var failed = false
            files: for file in files {
                let reader: PcapFileReader
                do {
                    reader = try PcapFileReader(path: file)
                } catch {
                    Console.error("\(error)")
                    failed = true
                    continue
                }
                defer { reader.close() }
                while true {
                    do {
                        guard let packet = try reader.next() else { break }
                        process(packet)
                        // Every 1,024 packets: per packet, passing the file name and reaching
                        // the output stream cost two reference counts on the reading thread.
                        guard reader.packetsRead % DecodeOutput.progressInterval == 0 else { continue }
                        output.progress(file, packets: reader.packetsRead)
                        if output.stream.isClosed { break files }
                    } catch {
                        Console.error("\(error) (after \(reader.packetsRead) packets; the rest of the file is unreadable)")
                        failed = true
                        break
                    }
                }
            }
            return failed
        }
    }
}
