import Foundation

/// How the commands whose results are `Codable` (`cm load --json`, `verify --json`) print them:
/// keys sorted, so runs diff cleanly, and slashes left alone (URLs, CPU lists).
enum SortedJSON {
    static func print<Value: Encodable>(_ value: Value) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        Swift.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
