import ArgumentParser
import Capture
import Decode

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

        @OptionGroup
        var decoding: DecodeOptions

        func run() throws {
            let output = DecodeOutput(showsLines: decoding.format != nil)
            // Lines (or statistics) from several threads when there are cores for them.
            let session = DecodeSession(
                options: try decoding.pipelineOptions(), format: decoding.format, threads: decoding.threads.count, output: output.stream)
            let failed = read(into: output) { session.process($0) }
            session.finish()
            output.finish()
            if let report = session.report {
                output.stream.write(decoding.render(report))
                output.stream.flush()
            }
            if failed { throw ExitCode(1) }
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
