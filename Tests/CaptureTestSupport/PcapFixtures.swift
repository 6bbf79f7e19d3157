import Capture

/// The recorded captures beside this file (Fixtures/: Zeek's MQTT trace, MQTT and CMP over
/// WebSocket), shared by the Capture tests (reading files) and the Decode tests (decoding them),
/// and a writer of tiny pcap files byte by byte.
public enum PcapFixtures {
    public static let directory: String = {
        var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast()
        return parts.joined(separator: "/") + "/Fixtures"
    }()

    public static let zeekMQTT = directory + "/zeek/mqtt.pcap"
    /// CMP and MQTT inside WebSocket (Fixtures/websocket/README.md).
    public static let webSocketCMP = directory + "/websocket/cmp-ws.pcap"
    public static let webSocketMQTT = directory + "/websocket/mqtt-ws.pcap"

    /// Every packet of a file.
    public static func readAll(_ path: String) throws(CaptureError) -> [CapturedPacket] {
        let reader = try PcapFileReader(path: path)
        var packets: [CapturedPacket] = []
        while let packet = try reader.next() { packets.append(packet) }
        return packets
    }

    /// A classic little-endian pcap header.
    public static func fileHeader(magic: UInt32 = 0xa1b2_c3d4, snaplen: UInt32 = 65535, linkType: UInt32 = 1) -> [UInt8] {
        Frames.le32(magic) + [2, 0, 4, 0] + Frames.le32(0) + Frames.le32(0) + Frames.le32(snaplen) + Frames.le32(linkType)
    }

    public static func record(seconds: UInt32, microseconds: UInt32, caplen: UInt32? = nil, _ data: [UInt8]) -> [UInt8] {
        Frames.le32(seconds) + Frames.le32(microseconds) + Frames.le32(caplen ?? UInt32(data.count))
            + Frames.le32(UInt32(data.count)) + data
    }
}
