import ArgumentParser

extension CMTune {
    /// `cmtune cm ...`: the reference connection manager and its tools.
    struct CMCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cm",
            abstract: "The reference connection manager (CMP over TCP and WebSocket, on SwiftNIO) and its tools.",
            discussion: "The protocol is specified in docs/protocol.md.",
            subcommands: [CMToken.self, CMServe.self, CMLoad.self]
        )
    }
}

/// `--secret-file KEY`, shared by everything that mints or checks tokens.
struct SecretOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The token secret: a file with at least 16 random bytes (e.g. 'openssl rand -hex 32 > KEY').", valueName: "FILE"))
    var secretFile: String
}
