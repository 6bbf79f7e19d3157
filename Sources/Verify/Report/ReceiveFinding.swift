/// The finding `verify --netns` adds when receive processing piled up on one CPU: the testbed's
/// RPS is the cause and the fix, so it is named with the devices and the mask to write.
extension VerifyReport.Finding {
    /// - Parameters:
    ///   - rpsCPUs: the CPU list the testbed's rps_cpus was set to.
    ///   - onlineMask: every online CPU as an rps_cpus mask, for the fix.
    public static func receiveOnOneCPU(
        _ reason: VerifyReason, cmDevice: String, loadDevice: String, rpsCPUs: String, onlineMask: String
    ) -> VerifyReport.Finding {
        VerifyReport.Finding(
            severity: "critical", code: "receive-one-cpu",
            title: "receive processing of \(cmDevice) and \(loadDevice) runs on CPU \(rpsCPUs) only",
            evidence: "\(reason.sentence); rps_cpus of every receive queue is CPU \(rpsCPUs)",
            fix: "for q in /sys/class/net/\(cmDevice)/queues/rx-*; do echo \(onlineMask) > $q/rps_cpus; done  (or cmtune spread)")
    }
}
