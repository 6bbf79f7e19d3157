import Glibc
import HostKit
import Testing

@testable import Netlink

/// What a user reads when netlink fails: the sentence, the codes, and the call.
@Suite struct NetlinkErrorTests {
    @Test func aMissingDeviceSaysSoAndKeepsTheKernelsWords() {
        let error = NetlinkError.kernel(
            operation: "ethtool CHANNELS_GET eth9", errno: ENODEV, extendedAck: "no device matches name")
        #expect(error.errno == ENODEV)
        #expect(error.code == .noDevice)
        #expect(error.message.hasPrefix("no such interface"))
        #expect(error.message.contains("no device matches name"))
        #expect(!error.isNotSupported)
    }

    @Test func permissionDeniedNamesTheMissingPrivilege() {
        let set = NetlinkError.kernel(operation: "ethtool CHANNELS_SET eth0", errno: EPERM, extendedAck: nil)
        #expect(set.message.contains("CAP_NET_ADMIN"))
        let namespace = NetlinkError.system(
            operation: "enter network namespace x", errno: EPERM, privilege: "CAP_SYS_ADMIN")
        #expect(namespace.message.contains("CAP_SYS_ADMIN"))
    }

    @Test func unsupportedOperationsAndMissingFamiliesAreNotSupportedNotFailures() {
        let unsupported = NetlinkError.kernel(operation: "ethtool RSS_GET v0", errno: EOPNOTSUPP, extendedAck: nil)
        #expect(unsupported.isNotSupported)
        let missing = NetlinkError(operation: "resolve", code: .objectNotFound, missingFamily: "netdev", message: "x")
        #expect(missing.isNotSupported)
        let libnlOnly = NetlinkError.libnl(operation: "x", returned: -LibnlCode.operationNotSupported.rawValue)
        #expect(libnlOnly.isNotSupported)
        #expect(!NetlinkError.kernel(operation: "x", errno: EINVAL, extendedAck: nil).isNotSupported)
    }

    @Test func aLibnlOnlyFailureUsesLibnlsText() {
        let error = NetlinkError.libnl(
            operation: "ethtool CHANNELS_GET eth0", returned: -LibnlCode.sequenceMismatch.rawValue)
        #expect(error.errno == nil)
        #expect(error.code == .sequenceMismatch)
        #expect(error.message.contains("out of order"))
        #expect(!LibnlCode.sequenceMismatch.description.isEmpty)
    }

    @Test func theDeviceQueryFailureCarriesCallCodesAndSentence() {
        let error = NetlinkError.kernel(operation: "ethtool CHANNELS_GET eth0", errno: ENODEV, extendedAck: nil)
        let failure = error.deviceQueryFailure()
        #expect(failure.call == "ethtool CHANNELS_GET eth0")
        #expect(failure.errno == ENODEV)
        #expect(failure.libnlCode == LibnlCode.noDevice.rawValue)
        #expect(failure.message == error.message)
        #expect(failure.description.contains("errno \(ENODEV)"))
    }

    @Test func aFailureBeforeTheQueryNamesTheStepThatFailed() {
        let error = NetlinkError.system(
            operation: "enter network namespace lab", errno: EPERM, privilege: "CAP_SYS_ADMIN")
        let failure = error.deviceQueryFailure(call: "ethtool RINGS_GET eth0")
        #expect(failure.call == "ethtool RINGS_GET eth0")
        #expect(failure.message.hasPrefix("enter network namespace lab: permission denied"))
    }

    @Test func descriptionShowsOperationMessageAndCodes() {
        let error = NetlinkError.kernel(operation: "netdev QUEUE_GET eth0", errno: EOPNOTSUPP, extendedAck: nil)
        #expect(error.description.hasPrefix("netdev QUEUE_GET eth0: the driver does not support"))
        #expect(error.description.contains("errno \(EOPNOTSUPP)"))
    }
}

extension NetlinkErrorTests {
    @Test func theKernelInternalENOTSUPPAlsoMeansNotSupported() {
        let error = NetlinkError.kernel(operation: "ethtool COALESCE_GET eth0", errno: 524, extendedAck: nil)
        #expect(error.isNotSupported)
        #expect(error.message == "the driver does not support this request")
    }

    @Test func aReceiveTimeoutSaysTheKernelDidNotAnswer() {
        let error = NetlinkError.libnl(operation: "netdev QUEUE_GET eth0", returned: -LibnlCode.again.rawValue)
        #expect(error.message == "the kernel did not answer in time")
    }
}
