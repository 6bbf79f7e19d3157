// glibc's allocator tuning (mallopt), which Swift's Glibc module leaves out: cmtune fixes the
// mmap threshold and the arena count for the buffers of a sharded decode (Capture/Decode/ShardedDecode.swift).
#include <malloc.h>
