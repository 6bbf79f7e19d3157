import Testing
import Wire

@Suite("MQTT topic filters")
struct MQTTTopicFilterTests {
    static func filter(_ text: String) throws -> MQTTTopicFilter { try MQTTTopicFilter(validating: text) }

    @Test(
        "the matching examples of MQTT 3.1.1 §4.7 and 5.0 §4.7",
        arguments: [
            ("sport/tennis/player1/#", "sport/tennis/player1", true),
            ("sport/tennis/player1/#", "sport/tennis/player1/ranking", true),
            ("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true),
            ("sport/#", "sport", true),
            ("sport/tennis/#", "sport/tennisplayer1", false),
            ("sport/tennis/+", "sport/tennis/player1", true),
            ("sport/tennis/+", "sport/tennis/player1/ranking", false),
            ("sport/+", "sport", false),
            ("sport/+", "sport/", true),
            ("+/+", "/finance", true),
            ("/+", "/finance", true),
            ("+", "/finance", false),
            ("#", "$SYS/broker/load", false),
            ("+/monitor/Clients", "$SYS/monitor/Clients", false),
            ("$SYS/#", "$SYS/monitor/Clients", true),
            ("$SYS/monitor/+", "$SYS/monitor/Clients", true),
            ("#", "any/topic/at/all", true),
            ("a/b", "a/b/c", false),
            ("a/b/c", "a/b", false),
            ("zone-ü/+", "zone-ü/dev5", true),
        ])
    func matches(filter text: String, topic: String, expected: Bool) throws {
        #expect(try Self.filter(text).matches(topic: Array(topic.utf8)) == expected)
    }

    @Test(
        "two filters overlap when some topic matches both, whichever is asked",
        arguments: [
            ("a/#", "a/b/+", true),
            ("a/#", "a", true),
            ("a/+", "a/b/c", false),
            ("+/b", "a/+", true),
            ("a/b", "a/c", false),
            ("#", "$SYS/#", false),
            ("+/x", "$SYS/x", false),
            ("$SYS/+", "$SYS/#", true),
            ("a/+/c", "a/b/c", true),
            ("a/+/c/#", "a/b", false),
        ])
    func overlaps(first: String, second: String, expected: Bool) throws {
        #expect(try Self.filter(first).overlaps(Self.filter(second)) == expected)
        #expect(try Self.filter(second).overlaps(Self.filter(first)) == expected)
    }

    @Test(
        "a filter that breaks the spec's rules is refused, saying why",
        arguments: [
            ("", "empty"), ("a/#/b", "# must be its last level"), ("a+", "whole level"), ("a/b#", "whole level"), ("sport/tennis#", "whole level"),
        ])
    func invalid(text: String, reason: String) {
        let error = #expect(throws: MQTTTopicFilter.InvalidFilter.self) { try Self.filter(text) }
        #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
    }
}
