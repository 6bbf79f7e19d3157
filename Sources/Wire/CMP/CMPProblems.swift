/// The rule violations found in one message that still framed and read correctly.
///
/// Capped at `limit` entries, so that a hostile message (thousands of wrong-length extensions)
/// costs a bounded list of strings; past the cap the last entry says how many were left out.
/// The autoclosure keeps the text from being built on the common, problem-free path, where the
/// list stays the empty array (no allocation).
struct CMPProblems {
    static let limit = 32

    private(set) var list: [String] = []
    private var omitted = 0

    mutating func add(_ problem: @autoclosure () -> String) {
        if list.count < CMPProblems.limit {
            list.append(problem())
        } else {
            omitted += 1
        }
    }

    /// At most `limit` entries: all of them, or the first `limit - 1` and a count of the rest.
    var result: [String] {
        guard omitted > 0 else { return list }
        return list.prefix(CMPProblems.limit - 1) + ["\(omitted + 1) more problems not listed"]
    }
}
