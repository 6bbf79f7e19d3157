import Foundation
import Testing

/// Creating namespaces, veth pairs and changing channels needs root (CAP_SYS_ADMIN and
/// CAP_NET_ADMIN). CI runs as root, so these tests run there; elsewhere they skip and say why.
public let isRoot = getuid() == 0

extension Trait where Self == ConditionTrait {
    public static var needsRoot: ConditionTrait {
        .enabled(
            if: isRoot,
            "needs root: creates a network namespace with a veth pair (run the tests as root, as CI does)")
    }
}
