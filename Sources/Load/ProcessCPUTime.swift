import HostKit

#if canImport(Glibc)
import Glibc
#endif

/// CPU seconds (user + system) of this process or another one, to compare what the generator
/// spends with what the CM spends on the same messages.
public enum ProcessCPUTime {
    public static func ofSelf() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// From /proc/PID/stat (utime and stime, in clock ticks); nil when the process is gone or
    /// the file is not as expected.
    public static func of(pid: Int32) -> Double? {
        guard let stat = try? ProcessStat.read(pid: pid, from: HostRoot("/")) else { return nil }
        return Double(stat.ticks) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    private static func seconds(_ time: timeval) -> Double {
        Double(time.tv_sec) + Double(time.tv_usec) / 1e6
    }
}
