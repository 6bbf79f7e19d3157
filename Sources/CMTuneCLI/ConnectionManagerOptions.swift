import ArgumentParser
import HostKit
import Tuning

/// Which processes are connection managers and what they must hold: shared by `diagnose` and
/// `sysctl`, whose advice depends on it.
struct ConnectionManagerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The CM's listening ports to reserve (default: every port the host listens on).", valueName: "LIST"))
    var ports: String?

    @Option(
        name: .customLong("cm"), help: ArgumentHelp("A process name that is a connection manager (besides 'cmtune cm serve'); repeatable.", valueName: "NAME"))
    var processNames: [String] = []

    @Option(name: .long, help: ArgumentHelp("A systemd unit whose LimitNOFILE caps the CM; repeatable.", valueName: "UNIT"))
    var unit: [String] = []

    @Option(
        name: .long, parsing: .unconditional,
        help: ArgumentHelp("The connections one CM process should hold (default: its --max-connections, else 1000000).", valueName: "N"))
    var connections: String?

    func validate() throws {
        if let connections, Int(connections).map({ $0 < 1 }) ?? true {
            throw ValidationError("--connections '\(connections)': give a whole number, 1 or more")
        }
        if let ports, Self.portList(ports) == nil {
            throw ValidationError("--ports '\(ports)': give ports 1-65535 as a list with ranges, e.g. 7000,7443,9000-9010")
        }
    }

    static func portList(_ text: String) -> [Int]? {
        guard let ranges = SysctlContext.portRanges(text), !ranges.isEmpty, ranges.allSatisfy({ $0.lowerBound >= 1 && $0.upperBound <= 65535 }) else {
            return nil
        }
        return ranges.flatMap { Array($0) }
    }

    func context(root: HostRoot) -> ConnectionManagerContext {
        ConnectionManagerContext.read(
            from: root, names: processNames, units: unit, ports: ports.flatMap(Self.portList), connections: connections.flatMap { Int($0) })
    }
}
