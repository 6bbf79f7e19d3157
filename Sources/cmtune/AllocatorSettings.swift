internal import CMalloc

/// glibc's allocator, set for the whole process before any command runs (a library never
/// changes it: it would change it for its callers, the test runner among them).
///
/// A sharded decode allocates its rounds' buffers (hundreds of KiB) on one thread, grows them on
/// another and resizes them between rounds. With glibc's defaults the mmap threshold rises to the
/// size of each large block freed, so those buffers came from the threads' heaps, fragmented
/// them, and peak memory crept up with the length of the capture; a fixed threshold also fixes
/// the trim threshold, which, left low, handed the top of a heap back to the kernel after every
/// round only to fault it in again. One arena for all threads keeps a buffer freed on another
/// thread from going back to a heap with its own high-water mark. The figures are in
/// bench/README.md ("Moved from code comments (issue 21)").
enum AllocatorSettings {
    static func apply() {
        _ = mallopt(M_MMAP_THRESHOLD, 4 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 64 << 20)
        _ = mallopt(M_ARENA_MAX, 1)
    }
}
