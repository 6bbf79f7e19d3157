/// Which network namespace a root shows, as far as its files tell.
///
/// It matters because /proc/interrupts is global while /sys/class/net is per namespace: inside
/// a container every IRQ name is the host's, and none of them is the container's veth.
public enum NetworkNamespace {
    /// True in the initial network namespace, false in another, nil when the tree cannot tell.
    ///
    /// `net.core.rps_sock_flow_entries` is registered for the initial namespace only
    /// (net/core/sysctl_net_core.c puts it in the init_net-only table), and /proc/sys/net shows
    /// the reader's namespace: a tree with proc/sys/net/core but without that file is another
    /// namespace. On the live system, /proc/self/ns/net against /proc/1/ns/net settles it where
    /// /proc/sys/net is missing and both links can be read.
    public static func isInitial(_ root: HostRoot) -> Bool? {
        if root.exists("proc/sys/net/core") {
            return root.exists("proc/sys/net/core/rps_sock_flow_entries")
        }
        guard root.isLiveSystem, let own = root.readLinkIfPresent("proc/self/ns/net"), let initial = root.readLinkIfPresent("proc/1/ns/net") else {
            return nil
        }
        return own == initial
    }
}
