// glibc's allocator tuning (mallopt), which Swift's Glibc module leaves out: cmtune fixes the
// mmap threshold and the arena count at its entry point (Sources/cmtune/AllocatorSettings.swift).
#include <malloc.h>
