/// Addresses as /proc/net/tcp and tcp6 print them, and as people read them.
///
/// The kernel prints each 32-bit word of the address with `%08X` as the CPU holds it, so on a
/// little-endian host 127.0.0.1 is `0100007F`. Words are read back in this machine's byte
/// order: right for the live host and for snapshots from hosts of the same endianness (every
/// x86 and arm64 server).
enum SocketAddressText {
    /// The address bytes in network order from the hex text of `words` 32-bit words; nil unless
    /// the text is exactly 8 hex digits per word.
    static func addressBytes(_ hex: ArraySlice<UInt8>, words: Int) -> [UInt8]? {
        guard hex.count == words * 8 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(words * 4)
        var start = hex.startIndex
        for _ in 0..<words {
            guard case .success(let value) = ProcText.unsigned(hex[start..<start + 8], radix: 16) else { return nil }
            let word = UInt32(truncatingIfNeeded: value)
            #if _endian(little)
            bytes += [
                UInt8(truncatingIfNeeded: word), UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word >> 16),
                UInt8(truncatingIfNeeded: word >> 24),
            ]
            #else
            bytes += [
                UInt8(truncatingIfNeeded: word >> 24), UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 8),
                UInt8(truncatingIfNeeded: word),
            ]
            #endif
            start += 8
        }
        return bytes
    }

    /// Dotted quad: `127.0.0.1`.
    static func ipv4(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.map { String($0) }.joined(separator: ".")
    }

    /// IPv6 text exactly as glibc's `inet_ntop` writes it (so it matches `ss`): lowercase hex,
    /// the first longest run of two or more zero groups as `::`, and `::ffff:a.b.c.d` (or the
    /// old `::a.b.c.d`) for addresses that carry an IPv4 address.
    static func ipv6(_ bytes: [UInt8]) -> String {
        precondition(bytes.count == 16, "an IPv6 address is 16 bytes")
        let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        var best: (base: Int, length: Int)?
        var current: (base: Int, length: Int)?
        for (index, group) in groups.enumerated() {
            if group == 0 {
                current = current.map { ($0.base, $0.length + 1) } ?? (index, 1)
            } else if let run = current {
                if run.length > best?.length ?? 0 { best = run }
                current = nil
            }
        }
        if let run = current, run.length > best?.length ?? 0 { best = run }
        if let run = best, run.length < 2 { best = nil }

        var text = ""
        var index = 0
        while index < 8 {
            if let run = best, index >= run.base && index < run.base + run.length {
                if index == run.base { text += ":" }
                index += 1
                continue
            }
            if index != 0 { text += ":" }
            if index == 6, let run = best, run.base == 0, run.length == 6 || (run.length == 5 && groups[5] == 0xFFFF) {
                text += ipv4(bytes[12..<16])
                return text
            }
            text += String(groups[index], radix: 16)
            index += 1
        }
        if let run = best, run.base + run.length == 8 { text += ":" }
        return text
    }
}
