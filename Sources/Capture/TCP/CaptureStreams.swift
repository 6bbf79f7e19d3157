/// Captured packets in, TCP stream events out: link and IP layers (fragments reassembled), TCP
/// reassembly per direction, and idle expiry by capture time. What a decode does before it
/// knows any protocol, and all of it that must run on one thread in capture order.
public final class CaptureStreams {
    @exclusivity(unchecked) private var parser = PacketParser()
    private let reassembler: TCPReassembler
    @exclusivity(unchecked) public private(set) var packetsRead = 0
    /// The latest capture time seen (captures are not always in time order): the time of a
    /// close, which no packet of the connection carries.
    @exclusivity(unchecked) private var latest = CaptureTimestamp(seconds: 0, nanoseconds: 0)

    public init(limits: TCPReassemblyLimits, serverPorts: Set<UInt16>) {
        reassembler = TCPReassembler(limits: limits, serverPorts: serverPorts)
    }

    public var packetStatistics: PacketStatistics { parser.statistics }
    public var reassemblyStatistics: TCPReassemblyStatistics { reassembler.statistics }

    /// Expiry of idle connections and held fragments runs every this many packets.
    static let expiryInterval = 4096

    /// `emit` gets each event with the latest capture time seen so far.
    public func process(_ packet: CapturedPacket, _ emit: (TCPStreamEvent, CaptureTimestamp) -> Void) {
        if packetsRead == 0 || packet.timestamp > latest { latest = packet.timestamp }
        packetsRead += 1
        let now = latest
        switch parser.parse(packet) {
        case .tcp(let segment):
            reassembler.process(segment) { emit($0, now) }
        case .fragmentHeld, .skipped, .malformed:
            break
        }
        if packetsRead % Self.expiryInterval == 0 {
            parser.expireFragments(now: packet.timestamp)
            reassembler.expireIdle(now: packet.timestamp) { emit($0, now) }
        }
    }

    /// End of input: what is buffered around holes is delivered and every connection closed.
    public func finish(_ emit: (TCPStreamEvent, CaptureTimestamp) -> Void) {
        let now = latest
        parser.finish()
        reassembler.finish { emit($0, now) }
    }
}
