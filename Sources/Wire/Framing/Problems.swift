/// The rule violations found in one MQTT packet or CMP message that still framed and read
/// correctly, for `MQTTPacket.problems` and `CMPFrame.problems`.
///
/// Capped at `limit` entries, so that a hostile message (thousands of duplicate properties or
/// wrong-length extensions) costs a bounded list of strings; past the cap the last entry says how
/// many were left out. The autoclosure keeps the text from being built on the common,
/// problem-free path, where the list stays the empty array (no allocation).
struct Problems {
    static let limit = 32

    private var list: [String] = []
    private var omitted = 0

    mutating func add(_ problem: @autoclosure () -> String) {
        if list.count < Problems.limit {
            list.append(problem())
        } else {
            omitted += 1
        }
    }

    /// At most `limit` entries: all of them, or the first `limit - 1` and a count of the rest.
    /// Consuming, so the list moves out: read from a copy, it cost a retain and a release per
    /// message (of the empty list, nearly always).
    consuming func result() -> [String] {
        guard omitted > 0 else { return list }
        return list.prefix(Problems.limit - 1) + ["\(omitted + 1) more problems not listed"]
    }
}
