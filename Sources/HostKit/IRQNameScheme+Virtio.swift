/// virtio devices: virtio-net names its vectors after the virtio device, never the netdev.
extension IRQNameScheme {
    /// Virtqueue names of virtio devices that are not NICs (virtio_blk, virtio_scsi, virtio_balloon).
    private static let otherVirtioQueues = ["req", "request", "inflate", "deflate", "stats", "free_page_vq", "reporting_vq"]

    /// `virtio2-input.0`, `virtio2-output.0`, `virtio0-virtqueues`, `virtio3-rx`, `virtio1`.
    func classifyVirtio(_ name: String) -> IRQNameMatch? {
        guard name.hasPrefix("virtio") else { return nil }
        let afterPrefix = name.dropFirst(6)
        let digits = afterPrefix.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty else { return nil }
        let device = DeviceReference.virtio("virtio" + digits)
        let rest = afterPrefix.dropFirst(digits.count)
        if rest.isEmpty { return IRQNameMatch(device: device, role: .device, scheme: "virtio") }
        guard rest.hasPrefix("-") else { return nil }
        let purpose = rest.dropFirst()
        if let n = purpose.number(after: "input.") { return IRQNameMatch(device: device, role: .queue(.rx, n), scheme: "virtio") }
        if let n = purpose.number(after: "output.") { return IRQNameMatch(device: device, role: .queue(.tx, n), scheme: "virtio") }
        // Queues of other virtio devices: block, SCSI, balloon. Not a NIC's, whatever the index.
        if Self.otherVirtioQueues.contains(where: { purpose == $0 || purpose.hasPrefix($0 + ".") }) { return nil }
        switch purpose {
        // Single-queue virtio-net before 3.8 named its virtqueues `input` and `output`.
        case "rx", "input": return IRQNameMatch(device: device, role: .queue(.rx, 0), scheme: "virtio")
        case "tx", "output": return IRQNameMatch(device: device, role: .queue(.tx, 0), scheme: "virtio")
        case "virtqueues": return IRQNameMatch(device: device, role: .allQueues, scheme: "virtio")
        default: return IRQNameMatch(device: device, role: .misc(String(purpose)), scheme: "virtio")
        }
    }
}
