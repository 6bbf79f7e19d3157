#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#endif

/// Buffered writes to a file descriptor (stdout), in large chunks: a decode of a big capture
/// writes hundreds of megabytes, and a write(2) per line would dominate.
public final class OutputStream {
    private let descriptor: Int32
    @exclusivity(unchecked) private var buffer: [UInt8] = []
    private let flushThreshold: Int
    /// Set when a write fails (EPIPE: `| head` closed the pipe); the caller stops decoding.
    @exclusivity(unchecked) public private(set) var isClosed = false

    public init(descriptor: Int32 = 1, flushThreshold: Int = 1 << 16) {
        self.descriptor = descriptor
        self.flushThreshold = flushThreshold
        buffer.reserveCapacity(flushThreshold * 2)
    }

    deinit { flush() }

    public func write<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { flush() }
    }

    /// Not generic, unlike `write(_:)` for collections: called from another module, a generic
    /// method runs unspecialized, looking up type metadata on every call.
    public func write(bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { flush() }
    }

    public func write(byte: UInt8) {
        buffer.append(byte)
        if buffer.count >= flushThreshold { flush() }
    }

    public func write(_ text: String) {
        var text = text
        text.withUTF8 { write(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// A large block (64 KiB of JSON lines from a builder) straight to write(2) after what is
    /// pending, instead of through the buffer: one copy of the output less.
    public func write(block: UnsafeRawBufferPointer) {
        flush()
        writeAll(block)
    }

    /// Pieces of several buffers, in order, by writev(2) after what is pending: a sharded
    /// decode's lines go out from its threads' buffers without being copied together first.
    public func write(pieces: [UnsafeRawBufferPointer]) {
        flush()
        var vectors = pieces.compactMap { piece in
            piece.isEmpty ? nil : iovec(iov_base: UnsafeMutableRawPointer(mutating: piece.baseAddress), iov_len: piece.count)
        }
        var first = 0
        while first < vectors.count, !isClosed {
            let count = min(vectors.count - first, Self.vectorsPerCall)
            let written = vectors.withUnsafeMutableBufferPointer { writev(descriptor, $0.baseAddress! + first, Int32(count)) }
            if written < 0 {
                if errno == EINTR { continue }
                isClosed = true
                return
            }
            // Past the pieces written whole; a piece written in part keeps its rest.
            var left = written
            while left > 0, first < vectors.count {
                if left >= vectors[first].iov_len {
                    left -= vectors[first].iov_len
                    first += 1
                } else {
                    vectors[first].iov_base += left
                    vectors[first].iov_len -= left
                    left = 0
                }
            }
        }
    }

    /// IOV_MAX on Linux.
    static let vectorsPerCall = 1024

    public func flush() {
        buffer.withUnsafeBytes { writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ raw: UnsafeRawBufferPointer) {
        guard !isClosed, let base = raw.baseAddress else { return }
        var offset = 0
        while offset < raw.count {
            let written = Glibc.write(descriptor, base + offset, raw.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                isClosed = true
                return
            }
            offset += written
        }
    }
}
