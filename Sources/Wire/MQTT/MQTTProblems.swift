/// The rule violations found in one packet that still framed correctly.
///
/// Capped, so that a hostile packet (thousands of duplicate properties) costs a bounded list of
/// strings; the last entry then says how many were left out. The autoclosure keeps the
/// message from being built on the common, problem-free path.
struct MQTTProblems {
    static let limit = 32

    private(set) var list: [String] = []
    private var omitted = 0

    mutating func add(_ problem: @autoclosure () -> String) {
        if list.count < MQTTProblems.limit {
            list.append(problem())
        } else {
            omitted += 1
        }
    }

    /// The problems for `MQTTPacket.problems`. Consuming, so the list moves out: read from a
    /// copy, it cost a retain and a release per packet (of the empty list, nearly always).
    consuming func result() -> [String] {
        omitted == 0 ? list : list + ["\(omitted) more problems not listed"]
    }
}
