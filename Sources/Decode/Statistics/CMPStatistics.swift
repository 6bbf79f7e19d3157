import Histogram
import Wire

/// The CMP part of the `decode --stats` summary: what the CM's connections carried, who was
/// logged in, what became of the messages sent, and how fast the acks came.
public struct CMPStatistics: Sendable {
    public var connections = 0
    public var messagesByType: [String: Int] = [:]
    /// Messages per user (the LOGIN's), for connections whose LOGIN was captured.
    public var users: [String: Int] = [:]
    /// LOGIN_ACK results, SEND_ACK results and KICK reasons, by result code name.
    public var loginResults: [String: Int] = [:]
    public var sendResults: [String: Int] = [:]
    public var kickReasons: [String: Int] = [:]
    /// Latency from request to answer, in microseconds, by `CMPFlowTracker.Kind` ("SEND", ...).
    public var flowLatencies: [String: Histogram<UInt64>] = [:]
    /// Requests never answered, by request name.
    public var unanswered: [String: Int] = [:]

    public init() {}

    mutating func record(_ message: DecodedCMPMessage) {
        let type = message.message.type
        messagesByType[type.name, default: 0] += 1
        if let user = message.user { users[user, default: 0] += 1 }
        switch message.message {
        case .loginAck(let ack): loginResults[ack.result.name, default: 0] += 1
        case .sendAck(let ack): sendResults[ack.result.name, default: 0] += 1
        case .kick(let kick): kickReasons[kick.reason.name, default: 0] += 1
        default: break
        }
        if let latency = message.latency, let kind = CMPFlowTracker.Kind.completed(by: type) {
            // As for MQTT: microseconds, from 1 µs to an hour, recorded in place.
            _ = flowLatencies[kind.rawValue, default: Histogram<UInt64>(highestTrackableValue: 3_600_000_000)].record(UInt64(max(latency, 0) * 1e6))
        }
    }
}

extension CMPStatistics {
    /// Adds the counts of another share of the capture's connections.
    mutating func merge(_ other: CMPStatistics) {
        connections += other.connections
        messagesByType.merge(other.messagesByType, uniquingKeysWith: +)
        users.merge(other.users, uniquingKeysWith: +)
        loginResults.merge(other.loginResults, uniquingKeysWith: +)
        sendResults.merge(other.sendResults, uniquingKeysWith: +)
        kickReasons.merge(other.kickReasons, uniquingKeysWith: +)
        for (kind, histogram) in other.flowLatencies {
            if flowLatencies[kind] == nil { flowLatencies[kind] = histogram } else { flowLatencies[kind]!.add(histogram) }
        }
        unanswered.merge(other.unanswered, uniquingKeysWith: +)
    }
}

extension DecodeStatistics {
    mutating func record(_ message: DecodedCMPMessage) {
        cmp.record(message)
        if !message.frame.problems.isEmpty || !message.notes.isEmpty { problems += 1 }
        see(message.timestamp)
    }
}
