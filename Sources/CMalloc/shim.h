// glibc's allocator tuning (mallopt), which Swift's Glibc module leaves out: cmtune fixes the
// mmap threshold for the large buffers of a sharded decode (Capture/Decode/ShardedDecode.swift).
#include <malloc.h>
