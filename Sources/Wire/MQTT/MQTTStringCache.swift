/// Strings that packets repeat (PUBLISH topics above all, MQTT 5 User Properties), which a
/// decoder can take from a cache instead of allocating and validating them again: a broker's
/// subscribers receive a few hundred topics a million times over.
///
/// Wire keeps none of its own: a cache is state across packets and connections, which belongs to
/// the caller (the capture decoder's `StringInterner`). A decoder given none makes every string.
public protocol MQTTStringCache: AnyObject {
    /// The string with these bytes, as `MQTTString(bytes:)` would make it; the cache may return
    /// one it made before, sharing its storage. `bytes` is valid during the call only.
    func string(_ bytes: UnsafeRawBufferPointer) -> MQTTString
}
