import ArgumentParser
import Capture
import Decode

/// `--threads N` of `decode` and `capture`: how many threads decode, each a share of the
/// connections.
struct DecodeThreadsOption: ParsableArguments {
    @Option(
        name: .customLong("threads"),
        help: ArgumentHelp(
            "Threads that decode, each a share of the connections (default: one per online CPU, at most 4; 1 decodes on the reading thread). The output is the same.",
            valueName: "N"))
    var requested: Int?

    func validate() throws {
        if let requested, !(1...16).contains(requested) {
            throw ValidationError("--threads \(requested): between 1 and 16")
        }
    }

    /// What was asked for, else one per online CPU (at most 4).
    var count: Int { requested ?? ShardedDecode.defaultThreads }
}
