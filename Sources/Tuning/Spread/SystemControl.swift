import HostKit

/// What `spread` and `restore` ask of the machine beyond files: channel counts through ethtool
/// netlink, and services through systemd. Live implementations are in the CLI; tests use fakes.
public protocol ChannelControl: Sendable {
    func channels(interface: String, ifindex: Int) -> DeviceQuery<ChannelCounts>
    /// Sets the given counts (nil ones untouched); returns the failure, or nil on success.
    func setChannels(interface: String, ifindex: Int, rx: UInt32?, tx: UInt32?, combined: UInt32?) -> DeviceQueryFailure?
}

public enum ServiceAction: String, Sendable {
    case start, stop, restart, enable, disable
    case daemonReload = "daemon-reload"
}

public protocol ServiceManager: Sendable {
    /// False when systemd is not PID 1 (containers): services are then processes to signal.
    var hasSystemd: Bool { get }
    func isActive(_ unit: String) -> Bool
    func isEnabled(_ unit: String) -> Bool
    /// Runs `systemctl ACTION UNIT`; returns the error text, or nil on success.
    func perform(_ action: ServiceAction, unit: String) -> String?
    /// Starts a daemon detached (irqbalance outside systemd); returns the error text or nil.
    func spawn(_ command: [String]) -> String?
    /// Sends SIGTERM and waits for the processes to go; returns the error text or nil.
    func terminate(pids: [Int]) -> String?
}
