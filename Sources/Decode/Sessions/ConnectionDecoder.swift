import Capture
import Wire

/// The decoder of one connection, by protocol: a dictionary lookup and a switch reach it, with
/// no existential in between (the MQTT path is benchmarked).
enum ConnectionDecoder {
    case mqtt(MQTTConnectionDecoder)
    case cmp(CMPConnectionDecoder)
    /// MQTT or CMP inside WebSocket frames.
    case webSocket(WebSocketConnectionDecoder)

    @inline(__always)
    func receive(_ bytes: ArraySlice<UInt8>, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        switch self {
        case .mqtt(let decoder): decoder.receive(bytes, direction, at: time, emit)
        case .cmp(let decoder): decoder.receive(bytes, direction, at: time, emit)
        case .webSocket(let decoder): decoder.receive(bytes, direction, at: time, emit)
        }
    }

    func gap(_ missing: Int, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        switch self {
        case .mqtt(let decoder): decoder.gap(missing, direction, at: time, emit)
        case .cmp(let decoder): decoder.gap(missing, direction, at: time, emit)
        case .webSocket(let decoder): decoder.gap(missing, direction, at: time, emit)
        }
    }

    func close(at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        switch self {
        case .mqtt(let decoder): decoder.close(at: time, emit)
        case .cmp(let decoder): decoder.close(at: time, emit)
        case .webSocket(let decoder): decoder.close(at: time, emit)
        }
    }

    /// The protocol decoded (inside WebSocket, the one in the frames).
    var proto: DecodedProtocol {
        switch self {
        case .mqtt: return .mqtt
        case .cmp: return .cmp
        case .webSocket(let decoder): return decoder.proto
        }
    }

    /// The client id (MQTT) or user (CMP) the connection announced, once seen.
    var client: String? {
        switch self {
        case .mqtt(let decoder): return decoder.clientID
        case .cmp(let decoder): return decoder.user
        case .webSocket(let decoder): return decoder.inner?.client
        }
    }
}
