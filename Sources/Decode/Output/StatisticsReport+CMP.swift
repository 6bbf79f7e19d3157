/// The CMP part of `decode --stats`: present in text when the capture held CMP connections,
/// always in JSON (as the `"cmp"` object, so the schema does not depend on the traffic).
extension StatisticsReport {
    /// Most first; ties by name, so the same capture always prints the same summary.
    static func byCountThenName(_ a: (key: String, value: Int), _ b: (key: String, value: Int)) -> Bool {
        a.value != b.value ? a.value > b.value : a.key < b.key
    }

    func cmpLines(_ lines: inout [String]) {
        let cmp = statistics.cmp
        let byType = cmp.messagesByType.sorted(by: Self.byCountThenName).map { "\($0.key) \($0.value)" }
        lines.append("cmp messages: " + (byType.isEmpty ? "none" : byType.joined(separator: ", ")))
        let users = cmp.users.sorted(by: Self.byCountThenName)
        lines.append(
            "cmp users: \(users.count)" + (users.isEmpty ? "" : ": " + users.prefix(topLimit).map { "\($0.key) (\($0.value))" }.joined(separator: ", "))
                + (users.count > topLimit ? ", ..." : ""))
        for (label, counts) in [("cmp logins", cmp.loginResults), ("cmp send results", cmp.sendResults), ("cmp kicks", cmp.kickReasons)] where !counts.isEmpty {
            lines.append("\(label): " + counts.sorted(by: Self.byCountThenName).map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if cmp.flowLatencies.isEmpty {
            lines.append("cmp answered requests: none")
        } else {
            lines.append("cmp answered requests (latency from request to its ack):")
            for (kind, histogram) in cmp.flowLatencies.sorted(by: { $0.key < $1.key }) {
                lines.append(Self.flowLine(kind, histogram))
            }
        }
        lines.append(
            "cmp unanswered: "
                + (cmp.unanswered.isEmpty ? "none" : cmp.unanswered.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
    }

    func cmpJSON(_ json: inout JSONLineBuilder) {
        let cmp = statistics.cmp
        json.beginObject()
        json.counts("messagesByType", cmp.messagesByType)
        json.key("users")
        json.beginArray()
        for (user, count) in cmp.users.sorted(by: Self.byCountThenName) {
            json.beginObject()
            json.field("user", user)
            json.field("messages", count)
            json.endObject()
        }
        json.endArray()
        json.counts("loginResults", cmp.loginResults)
        json.counts("sendResults", cmp.sendResults)
        json.counts("kickReasons", cmp.kickReasons)
        json.key("flows")
        json.beginArray()
        for (kind, histogram) in cmp.flowLatencies.sorted(by: { $0.key < $1.key }) {
            json.flow(kind, histogram)
        }
        json.endArray()
        json.counts("unanswered", cmp.unanswered)
        json.endObject()
    }
}
