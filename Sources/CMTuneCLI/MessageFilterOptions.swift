import ArgumentParser
import Capture
import Decode
import Wire

/// `--client`, `--topic`, `--type` of `decode` and `capture`: which messages to show, as
/// tshark's -Y would, but in the conversation's own terms.
struct MessageFilterOptions: ParsableArguments {
    @Option(
        name: .customLong("client"),
        help: ArgumentHelp(
            "Only this client: an MQTT client id or a CMP user, with shell wildcards (e.g. 'bench-pub-*'); repeatable.",
            valueName: "PATTERN"))
    var clients: [String] = []

    @Option(
        name: .customLong("topic"),
        help: ArgumentHelp(
            "Only MQTT PUBLISHes to topics this filter matches (+ and # as in MQTT), SUBSCRIBEs and UNSUBSCRIBEs whose filters overlap it, and their answers; repeatable.",
            valueName: "FILTER"))
    var topics: [String] = []

    @Option(
        name: .customLong("type"),
        help: ArgumentHelp(
            "Only these types, as the JSON `type` says (CONNECT, PUBLISH, SEND_ACK, GAP, DECODE_ERROR, ...); comma-separated or repeated.",
            valueName: "TYPES"))
    var types: [String] = []

    func validate() throws { _ = try filter() }

    /// The filter the options describe; a bad topic filter or an unknown type is a usage error
    /// that names it.
    func filter() throws -> DecodeFilter {
        var filter = DecodeFilter(clients: clients)
        for topic in topics {
            do {
                filter.topics.append(try MQTTTopicFilter(validating: topic))
            } catch {
                throw ValidationError("--topic: \(error)")
            }
        }
        for name in types.flatMap({ $0.split(separator: ",") }) {
            let type = name.filter { $0 != " " }.uppercased()
            guard DecodeFilter.typeNames.contains(type) else {
                throw ValidationError("--type \(name): not a message type; one of \(DecodeFilter.typeNames.joined(separator: ", "))")
            }
            filter.types.insert(type)
        }
        return filter
    }
}
