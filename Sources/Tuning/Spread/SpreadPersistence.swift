import FoundationEssentials
import HostKit

/// `spread --persist`: the saved policy, a systemd unit that re-applies it at boot, and a
/// udev rule that re-applies it when one of its interfaces appears (a driver reload, a
/// hot-plugged NIC); with `--app-unit`, a drop-in pinning that unit to the CPUs the IRQs left.
/// `--persist --remove` takes them all away.
public struct SpreadPersistence: Sendable {
    public let root: HostRoot
    public let services: (any ServiceManager)?
    /// The cmtune binary the unit and the rule run.
    public let executable: String

    public static let policyPath = "etc/cmtune/spread.json"
    public static let unitName = "cmtune-spread.service"
    public static let unitPath = "etc/systemd/system/cmtune-spread.service"
    public static let rulePath = "etc/udev/rules.d/90-cmtune-spread.rules"
    /// Where a binary from a build or temporary directory is copied, so the unit still finds it
    /// after the next reboot or `make clean`.
    public static let installedBinaryPath = "usr/local/lib/cmtune/cmtune"
    /// The drop-in's name inside `UNIT.d/`.
    public static let affinityDropInName = "90-cmtune-cpuaffinity.conf"
    /// Where `--persist` notes the application unit it pinned, so `--remove` finds its drop-in.
    public static let applicationUnitRecordPath = "etc/cmtune/application-unit"

    /// Directories a binary can live in across reboots and rebuilds.
    static let stableDirectories = [
        "/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/usr/local/bin/", "/usr/local/sbin/", "/usr/lib/", "/usr/local/lib/", "/opt/",
    ]

    /// True when a unit may call the binary at `path` after a reboot: a system directory, and
    /// not a build tree (`.build/`) or anything under a temporary directory.
    public static func isStable(executable path: String) -> Bool {
        guard stableDirectories.contains(where: path.hasPrefix) else { return false }
        return !path.contains("/.build") && !path.contains("/tmp/")
    }

    /// The binary the unit and the rule will run: `current` when it lives in a system
    /// directory, else a copy at `/usr/local/lib/cmtune/cmtune` (made here). Returns the path to
    /// use and, when it copied, a sentence saying so.
    public static func stableExecutable(current: String, root: HostRoot) -> Result<(path: String, note: String?), WriteFailure> {
        if isStable(executable: current) { return .success((current, nil)) }
        let destination = root.absolute(installedBinaryPath)
        do {
            let bytes = try StateFiles.read(current)
            try StateFiles.makeDirectories(parentDirectory(destination))
            try StateFiles.writeAtomically(bytes, to: destination, mode: 0o755)
        } catch {
            return .failure(
                WriteFailure(
                    target: error.path, errno: error.errno.rawValue,
                    message:
                        "\(current) is in a build or temporary directory and cannot be copied to /\(installedBinaryPath) (\(error.errno.plainDescription)); install cmtune (make install) and persist again"
                ))
        }
        return .success(
            (
                "/" + installedBinaryPath,
                "\(current) is in a build or temporary directory that may be gone after a reboot: copied it to /\(installedBinaryPath), which the unit runs"
            ))
    }

    /// A systemd unit name as `--app-unit` takes it: `cm` or `cm.service`, no path.
    public static func unitName(_ name: String) -> String? {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "@") || byte == UInt8(ascii: ":")
        }
        guard !name.isEmpty, name.utf8.count <= 200, allowed, !name.hasPrefix(".") else { return nil }
        return name.hasSuffix(".service") ? name : name + ".service"
    }

    public static func affinityDropInPath(unit: String) -> String { "etc/systemd/system/\(unit).d/\(affinityDropInName)" }

    /// The drop-in pinning `unit` to `cpus`: systemd applies it to every process of the unit.
    public static func affinityDropInText(unit: String, cpus: CPUSet) -> String {
        """
        # Written by `cmtune spread --persist --app-unit \(unit)`: the CPUs left to the application
        # once NIC interrupts and RPS keep to their own (--cpus-for-irqs). Removed by
        # `cmtune spread --persist --remove`.
        [Service]
        CPUAffinity=\(cpus.listString)

        """
    }

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

    /// The rule: when an interface of the policy (re)appears, re-apply after udev has named it.
    /// A policy for "every NIC" matches devices with hardware behind them only: a veth or tap
    /// made for each container must not trigger a spread.
    public func ruleText(interfaces: [String]) -> String {
        var lines = ["# Written by `cmtune spread --persist`; remove with `cmtune spread --persist --remove`."]
        let run = "RUN+=\"\(executable) spread --policy-file /\(Self.policyPath) --quiet\""
        if interfaces.isEmpty {
            lines.append("ACTION==\"add\", SUBSYSTEM==\"net\", DEVPATH!=\"/devices/virtual/*\", \(run)")
        }
        for name in interfaces {
            lines.append("ACTION==\"add\", SUBSYSTEM==\"net\", KERNEL==\"\(name)\", \(run)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the policy, the unit and the rule, then enables the unit. Returns what was
    /// written, or the failure.
    public func install(_ policy: SpreadPolicy, applicationCPUs: CPUSet? = nil) -> Result<[String], WriteFailure> {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let json = try? encoder.encode(policy) else {
            return .failure(WriteFailure(target: root.absolute(Self.policyPath), errno: nil, message: "cannot encode the policy"))
        }
        var files: [(String, [UInt8])] = [
            (Self.policyPath, Array(json) + [0x0A]), (Self.unitPath, Array(unitText().utf8)),
            (Self.rulePath, Array(ruleText(interfaces: policy.interfaces).utf8)),
        ]
        if let unit = policy.applicationUnit, let cpus = applicationCPUs {
            files.append((Self.affinityDropInPath(unit: unit), Array(Self.affinityDropInText(unit: unit, cpus: cpus).utf8)))
            files.append((Self.applicationUnitRecordPath, Array((unit + "\n").utf8)))
        }
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

    /// Disables the unit and removes what `install` wrote (and the copied binary); returns what
    /// was removed.
    public func remove() -> [String] {
        if let services, services.hasSystemd { _ = services.perform(.disable, unit: Self.unitName) }
        var removed: [String] = []
        var paths = [Self.rulePath, Self.unitPath, Self.policyPath, Self.installedBinaryPath]
        if let recorded = try? root.readIfPresent(Self.applicationUnitRecordPath), let unit = Self.unitName(recorded) {
            paths += [Self.affinityDropInPath(unit: unit), Self.applicationUnitRecordPath]
        }
        for path in paths where StateFiles.exists(root.absolute(path)) {
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
