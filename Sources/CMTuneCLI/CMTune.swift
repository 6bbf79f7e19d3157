import ArgumentParser

/// The `cmtune` command: inspect, diagnose and tune the hosts that run an IM connection manager.
public struct CMTune: ParsableCommand {
    /// The release, printed by `--version` and recorded in snapshots of the host.
    public static let version = "0.2.0"

    public static let configuration = CommandConfiguration(
        commandName: "cmtune",
        abstract: "Inspect, diagnose and tune the NIC queues and IRQs of connection-manager hosts.",
        discussion: """
            A usage error (an unknown option, a bad value) is one line on stderr and exit status 2 \
            (3, UNKNOWN, for diagnose, which follows the Nagios convention).
            """,
        version: version,
        subcommands: [
            Nic.self, IRQ.self, Top.self, Diagnose.self, Check.self, Spread.self, Restore.self, SysctlCommand.self, Snapshot.self, CaptureCommand.self,
            Decode.self, CMCommand.self, VerifyCommand.self,
        ]
    )

    public init() {}

    /// Parses and runs, with usage errors as one line and the exit status the help texts
    /// document (ArgumentParser's own would print the usage block and exit 64).
    public static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let subcommand = arguments.first { !$0.hasPrefix("-") }
        // No option of cmtune takes a negative number. ArgumentParser reads "-5" as a flag and
        // answers "Missing value"; say what is wrong instead.
        for (option, value) in zip(arguments, arguments.dropFirst())
        where option.hasPrefix("--") && !option.contains("=") && value.count > 1 && value.hasPrefix("-") && value.dropFirst().first?.isNumber == true {
            Console.error("\(option) \(value): a negative value is not accepted (see 'cmtune \(subcommand.map { "\($0) " } ?? "")--help')")
            exit(withError: ExitCode(subcommand == "diagnose" ? 3 : 2))
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            guard code == .validationFailure else { exit(withError: error) }
            let help = subcommand.map { "cmtune \($0) --help" } ?? "cmtune --help"
            let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            let text = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
            Console.error("\(text) (see '\(help)')")
            exit(withError: ExitCode(subcommand == "diagnose" ? 3 : 2))
        }
    }
}
