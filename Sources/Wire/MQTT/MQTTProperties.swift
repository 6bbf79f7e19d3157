/// The properties of an MQTT 5.0 packet (or of a CONNECT's will), in wire order.
///
/// An array, not a dictionary: order is kept for display and round trips, User Property may
/// repeat, and packets carry few properties, so a linear lookup is cheaper than hashing.
/// Empty for MQTT 3.x packets.
public struct MQTTProperties: Hashable, Sendable, RandomAccessCollection, ExpressibleByArrayLiteral,
    CustomStringConvertible
{
    public var elements: [MQTTProperty]

    public init(_ elements: [MQTTProperty] = []) { self.elements = elements }

    public init(arrayLiteral elements: MQTTProperty...) { self.elements = elements }

    public var startIndex: Int { elements.startIndex }
    public var endIndex: Int { elements.endIndex }
    public subscript(position: Int) -> MQTTProperty { elements[position] }

    /// The value of the first property with `id`, if any.
    public subscript(id: MQTTPropertyID) -> MQTTPropertyValue? {
        // By index, comparing ids in place: iterating copied every property (a retain and a
        // release of each string one holds) on the way to the one asked for.
        for index in elements.indices where elements[index].id == id { return elements[index].value }
        return nil
    }

    /// Every value with `id`, in wire order (User Property, PUBLISH's Subscription Identifiers).
    public func values(_ id: MQTTPropertyID) -> [MQTTPropertyValue] {
        elements.lazy.filter { $0.id == id }.map(\.value)
    }

    /// The User Properties as name/value pairs, in wire order.
    public var userProperties: [(name: MQTTString, value: MQTTString)] {
        elements.compactMap {
            if case .utf8StringPair(let name, let value) = $0.value, $0.id == .userProperty { return (name, value) }
            return nil
        }
    }

    public mutating func append(_ property: MQTTProperty) { elements.append(property) }

    public var description: String { "[" + elements.map(\.description).joined(separator: ", ") + "]" }
}
