import HostKit
import Netlink

/// Netlink facts for a root: the kernel's, live, when the root is the running host; the
/// snapshot's stored copy otherwise (none for a plain fixture tree).
enum FactsSource {
    static func forRoot(_ root: HostRoot, issues: inout [HostIssue]) -> (any DeviceFactsSource)? {
        if root.isLiveSystem { return LiveDeviceFacts() }
        do {
            return try StoredDeviceFacts.load(from: root)
        } catch {
            issues.append(HostIssue(path: error.path, message: "unreadable netlink facts (not valid JSON); channels, rings and RSS will show as unknown"))
            return nil
        }
    }
}
