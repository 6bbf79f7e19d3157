import ArgumentParser

/// The `cmtune` command: inspect, diagnose and tune the hosts that run an IM connection manager.
public struct CMTune: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cmtune",
        abstract: "Inspect, diagnose and tune the NIC queues and IRQs of connection-manager hosts.",
        subcommands: [Nic.self, IRQ.self, Top.self, Diagnose.self, Spread.self, Restore.self, Snapshot.self, CaptureCommand.self, Decode.self, CMCommand.self, VerifyCommand.self]
    )

    public init() {}
}
