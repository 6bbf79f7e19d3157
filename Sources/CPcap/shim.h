#include <pcap/pcap.h>
// stdio_ext.h: __fsetlocking, so the capture file libpcap reads through stdio is not locked
// per read (one thread reads it; see PcapFileReader).
#include <stdio_ext.h>
