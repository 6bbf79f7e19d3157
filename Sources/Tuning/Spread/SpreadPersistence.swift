import FoundationEssentials
import HostKit

/// `spread --persist`: the saved policy, a systemd unit that re-applies it at boot, and a
/// udev rule that re-applies it when one of its interfaces appears (a driver reload, a
/// hot-plugged NIC). `--persist --remove` takes all three away.
public struct SpreadPersistence: Sendable {
    public let root: HostRoot
    public let services: (any ServiceManager)?
    /// The cmtune binary the unit and the rule run.
    public let executable: String

    public static let policyPath = "etc/cmtune/spread.json"
    public static let unitName = "cmtune-spread.service"
    public static let unitPath = "etc/systemd/system/cmtune-spread.service"
    public static let rulePath = "etc/udev/rules.d/90-cmtune-spread.rules"

    public init(root: HostRoot, services: (any ServiceManager)?, executable: String) {
        self.root = root
        self.services = services
        self.executable = executable
    }

    /// The unit: oneshot after the network devices exist, before the services that use them.
    public func unitText() -> String {
        """
        # Written by `cmtune spread --persist`; remove with `cmtune spread --persist --remove`.
        [Unit]
        Description=cmtune: spread NIC interrupts and packet steering across cores
        After=network-pre.target systemd-udev-settle.service
        Before=network.target
        Wants=network-pre.target

        [Service]
        Type=oneshot
        ExecStart=\(executable) spread --policy-file /\(Self.policyPath) --quiet
        RemainAfterExit=yes

        [Install]
        WantedBy=multi-user.target

        """
    }

    /// The rule: when a spread interface (re)appears, re-apply after udev has named it.
    public func ruleText(interfaces: [String]) -> String {
        var lines = ["# Written by `cmtune spread --persist`; remove with `cmtune spread --persist --remove`."]
        let names = interfaces.isEmpty ? ["*"] : interfaces
        for name in names {
            lines.append(
                "ACTION==\"add\", SUBSYSTEM==\"net\", KERNEL==\"\(name)\", RUN+=\"\(executable) spread --policy-file /\(Self.policyPath) --quiet\"")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the policy, the unit and the rule, then enables the unit. Returns what was
    /// written, or the failure.
    public func install(_ policy: SpreadPolicy) -> Result<[String], WriteFailure> {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let json = try? encoder.encode(policy) else {
            return .failure(WriteFailure(target: root.absolute(Self.policyPath), errno: nil, message: "cannot encode the policy"))
        }
        let files: [(String, [UInt8])] = [
            (Self.policyPath, Array(json) + [0x0A]), (Self.unitPath, Array(unitText().utf8)), (Self.rulePath, Array(ruleText(interfaces: policy.interfaces).utf8)),
        ]
        var written: [String] = []
        for (path, bytes) in files {
            do {
                try StateFiles.makeDirectories(parentDirectory(root.absolute(path)))
                try StateFiles.writeAtomically(bytes, to: root.absolute(path))
                written.append(root.absolute(path))
            } catch {
                for done in written { StateFiles.remove(done) }
                return .failure(WriteFailure(target: error.path, errno: error.errno.rawValue, message: "cannot write: \(error.errno.plainDescription)"))
            }
        }
        if let services, services.hasSystemd {
            if let problem = services.perform(.daemonReload, unit: "") ?? services.perform(.enable, unit: Self.unitName) {
                return .failure(WriteFailure(target: "systemctl enable \(Self.unitName)", errno: nil, message: problem))
            }
        }
        return .success(written)
    }

    /// Disables the unit and removes the three files; returns what was removed.
    public func remove() -> [String] {
        if let services, services.hasSystemd { _ = services.perform(.disable, unit: Self.unitName) }
        var removed: [String] = []
        for path in [Self.rulePath, Self.unitPath, Self.policyPath] where StateFiles.exists(root.absolute(path)) {
            if StateFiles.remove(root.absolute(path)) { removed.append(root.absolute(path)) }
        }
        if let services, services.hasSystemd { _ = services.perform(.daemonReload, unit: "") }
        return removed
    }

    /// The saved policy, for `spread --policy-file`.
    public static func loadPolicy(at path: String) throws(WriteFailure) -> SpreadPolicy {
        let bytes: [UInt8]
        do {
            bytes = try HostRoot("/").readBytes(String(path.drop { $0 == "/" }))
        } catch {
            throw WriteFailure(target: path, errno: error.errno.rawValue, message: "cannot read the policy: \(error.errno.plainDescription)")
        }
        do {
            return try JSONDecoder().decode(SpreadPolicy.self, from: Data(bytes))
        } catch {
            throw WriteFailure(target: path, errno: nil, message: "not a valid cmtune policy: \(error)")
        }
    }
}
