/// Connections per CM event loop from the CM's Prometheus text: lines
/// `cm_connections{loop="N"} VALUE`.
public enum LoopConnectionCounts {
    public static func parse(_ text: String) -> [Int: Int] {
        let prefix = "cm_connections{loop=\""
        var counts: [Int: Int] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
            let rest = line.dropFirst(prefix.count)
            guard let quote = rest.firstIndex(of: "\""), let loop = Int(rest[..<quote]),
                let value = Double(rest.split(separator: " ").last ?? "")
            else { continue }
            counts[loop] = Int(value)
        }
        return counts
    }

    /// Of two scrapes, the one that saw more connections in all: a scrape during the ramp or
    /// the drain sees fewer than were there while the load ran.
    public static func fuller(_ kept: [Int: Int], _ new: [Int: Int]) -> [Int: Int] {
        new.values.reduce(0, +) >= kept.values.reduce(0, +) ? new : kept
    }
}
