import HostKit

/// A JSON document built explicitly, so keys keep the documented order and absent values are
/// written as `null` (Codable's synthesized encoding drops them, which breaks `jq '.irq'`).
enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        lhs.rendered(pretty: false) == rhs.rendered(pretty: false)
    }

    /// Compact (one line, for `--json` lines and pipes) or indented by two spaces.
    func rendered(pretty: Bool) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(4096)
        write(to: &output, pretty: pretty, indent: 0)
        return String(decoding: output, as: UTF8.self)
    }

    /// Bytes, not String appends: `irq --json` on a 256-CPU host writes 40,000 numbers, and
    /// String growth dominated its run time.
    private func write(to output: inout [UInt8], pretty: Bool, indent: Int) {
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value): Self.appendDecimal(value, to: &output)
        case .double(let value): output.append(contentsOf: (value.isFinite ? String(value) : "null").utf8)
        case .string(let value): Self.quote(value, into: &output)
        case .array(let items):
            guard !items.isEmpty else { return output.append(contentsOf: "[]".utf8) }
            // Arrays of scalars stay on one line: CPU lists and counts read better that way.
            let scalars = items.allSatisfy { item in
                switch item {
                case .array, .object: return false
                default: return true
                }
            }
            output.append(UInt8(ascii: "["))
            for (position, item) in items.enumerated() {
                if position > 0 {
                    output.append(UInt8(ascii: ","))
                    if pretty && scalars { output.append(UInt8(ascii: " ")) }
                }
                if pretty && !scalars { Self.newline(indent + 1, &output) }
                item.write(to: &output, pretty: pretty, indent: indent + 1)
            }
            if pretty && !scalars { Self.newline(indent, &output) }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else { return output.append(contentsOf: "{}".utf8) }
            output.append(UInt8(ascii: "{"))
            for (position, (key, value)) in members.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                if pretty { Self.newline(indent + 1, &output) }
                Self.quote(key, into: &output)
                output.append(UInt8(ascii: ":"))
                if pretty { output.append(UInt8(ascii: " ")) }
                value.write(to: &output, pretty: pretty, indent: indent + 1)
            }
            if pretty { Self.newline(indent, &output) }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ indent: Int, _ output: inout [UInt8]) {
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
    }

    private static func appendDecimal(_ value: Int, to output: inout [UInt8]) {
        JSONBytes.appendDecimal(Int64(value), to: &output)
    }

    private static func quote(_ text: String, into output: inout [UInt8]) {
        JSONBytes.appendQuoted(text, to: &output)
    }
}

extension JSONValue {
    static func optional<T>(_ value: T?, _ transform: (T) -> JSONValue) -> JSONValue {
        value.map(transform) ?? .null
    }

    static func int<I: BinaryInteger>(_ value: I?) -> JSONValue {
        value.map { .int(Int(truncatingIfNeeded: $0)) } ?? .null
    }

    static func string(_ value: String?) -> JSONValue {
        value.map { .string($0) } ?? .null
    }

    static func bool(_ value: Bool?) -> JSONValue {
        value.map { .bool($0) } ?? .null
    }
}
