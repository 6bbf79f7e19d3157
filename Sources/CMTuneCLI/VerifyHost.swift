import Foundation
import HostKit
import Tuning
import Verify

/// What `verify` says about the host beside its own measurement: its name and kernel, what
/// `cmtune diagnose` finds over the same window, and its NIC queues.
enum VerifyHost {
    static var name: String { uname().node }
    static var kernel: String { uname().release }

    private static func uname() -> (node: String, release: String) {
        var name = utsname()
        Foundation.uname(&name)
        let node = withUnsafeBytes(of: &name.nodename) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let release = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return (node, release)
    }

    /// Diagnose's warnings and criticals over the window, and the host's queue layout.
    static func diagnosis(
        of root: HostRoot, from first: CounterSample, to last: CounterSample
    ) -> (findings: [VerifyReport.Finding], queues: [VerifyReport.QueueRow]) {
        var issues: [HostIssue] = []
        let facts = FactsSource.forRoot(root, issues: &issues)
        let inventory = HostInventory.read(from: root, selection: .all, facts: facts)
        let sysctls = Sysctl.read(DiagnoseSysctls.names, from: root, issues: &issues)
        let diagnosis = Diagnosis(
            inventory: inventory, rates: CounterRates(from: first, to: last), ratesSinceBoot: false, sysctls: sysctls,
            irqbalance: ProcessScan.find(["irqbalance"], from: root), issues: issues)
        let findings = diagnosis.findings.filter { $0.severity != .info }.map {
            VerifyReport.Finding(severity: $0.severity.rawValue, code: $0.code, title: $0.subject, evidence: $0.evidence, fix: $0.fix ?? $0.manualFix)
        }
        return (findings, VerifyReport.QueueRow.rows(of: inventory))
    }
}
