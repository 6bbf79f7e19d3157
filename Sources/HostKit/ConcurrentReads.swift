#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch
import Synchronization

/// Reading the settings of tens of thousands of IRQs or queues is system calls end to end, and
/// they run as well on every CPU at once as on one: a host with 32k IRQs is read in a fraction
/// of the time. Small inputs stay on the calling thread, where starting threads would cost more
/// than it saves.
enum ConcurrentReads {
    /// `body` applied to every element, in chunks on up to one thread per online CPU; the
    /// results in the elements' order.
    static func map<Element: Sendable, Output: Sendable>(
        _ elements: [Element], minimumChunk: Int = 512, _ body: @Sendable (Element) -> Output
    ) -> [Output] {
        let processors = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let chunks = min(processors, elements.count / max(minimumChunk, 1))
        guard chunks > 1 else { return elements.map(body) }
        let size = (elements.count + chunks - 1) / chunks
        let parts = Mutex([[Output]?](repeating: nil, count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = chunk * size
            let end = min(start + size, elements.count)
            let part = start < end ? elements[start..<end].map(body) : []
            parts.withLock { $0[chunk] = part }
        }
        return parts.withLock { $0.flatMap { $0 ?? [] } }
    }
}
