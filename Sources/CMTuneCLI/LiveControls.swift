import Foundation
import HostKit
import Netlink
import Tuning

/// Channel counts through ethtool netlink, for `spread` and `restore` on the live host.
final class LiveChannelControl: ChannelControl, @unchecked Sendable {
    // EthtoolClient is a class over one netlink socket; spread and restore use it from one
    // thread, so the unchecked Sendable is honest.
    private let client: EthtoolClient?
    private let openFailure: DeviceQueryFailure?

    init() {
        do {
            client = try EthtoolClient()
            openFailure = nil
        } catch {
            client = nil
            openFailure = error.deviceQueryFailure(call: "ethtool netlink")
        }
    }

    func channels(interface: String, ifindex: Int) -> DeviceQuery<ChannelCounts> {
        guard let client else { return .failed(openFailure!) }
        do {
            return .value(try client.channels(of: NetlinkDevice(name: interface, index: ifindex)))
        } catch  where error.isNotSupported {
            return .notSupported
        } catch {
            return .failed(error.deviceQueryFailure())
        }
    }

    func setChannels(interface: String, ifindex: Int, rx: UInt32?, tx: UInt32?, combined: UInt32?) -> DeviceQueryFailure? {
        guard let client else { return openFailure }
        do {
            try client.setChannels(of: NetlinkDevice(name: interface, index: ifindex), rx: rx, tx: tx, combined: combined)
            return nil
        } catch {
            return error.deviceQueryFailure()
        }
    }
}

/// systemd through `systemctl`, or plain processes where systemd is not PID 1 (containers).
struct LiveServiceManager: ServiceManager {
    var hasSystemd: Bool { FileManager.default.fileExists(atPath: "/run/systemd/system") }

    func isActive(_ unit: String) -> Bool { systemctl(["is-active", "--quiet", unit]).status == 0 }
    func isEnabled(_ unit: String) -> Bool { systemctl(["is-enabled", "--quiet", unit]).status == 0 }

    func perform(_ action: ServiceAction, unit: String) -> String? {
        let result = systemctl([action.rawValue] + (unit.isEmpty ? [] : [unit]))
        return result.status == 0 ? nil : "systemctl \(action.rawValue) \(unit) failed: \(result.error.isEmpty ? "exit \(result.status)" : result.error)"
    }

    func spawn(_ command: [String]) -> String? {
        guard let executable = command.first else { return "empty command" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(command.dropFirst())
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            return nil
        } catch {
            return "cannot start \(executable): \(error.localizedDescription)"
        }
    }

    func terminate(pids: [Int]) -> String? {
        for pid in pids where kill(pid_t(pid), SIGTERM) != 0 && errno != ESRCH {
            return "cannot signal pid \(pid): \(String(cString: strerror(errno)))"
        }
        for _ in 0..<50 {
            if pids.allSatisfy({ kill(pid_t($0), 0) != 0 }) { return nil }
            usleep(100_000)
        }
        return "pids \(pids.map(String.init).joined(separator: ",")) still running after 5 s"
    }

    private func systemctl(_ arguments: [String]) -> (status: Int32, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["systemctl"] + arguments
        let errorPipe = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errorPipe
        do {
            try process.run()
        } catch {
            return (127, "systemctl not available")
        }
        let data = errorPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
