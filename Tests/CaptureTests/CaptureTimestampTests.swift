import Capture
import Testing

@Suite("Capture timestamps")
struct CaptureTimestampTests {
    @Test("differences and printing keep nanoseconds")
    func arithmetic() {
        let earlier = CaptureTimestamp(seconds: 1_700_000_000, nanoseconds: 999_000_000)
        let later = CaptureTimestamp(seconds: 1_700_000_001, nanoseconds: 1_000_000)
        #expect(abs(later.seconds(since: earlier) - 0.002) < 1e-9)
        #expect(earlier < later)
        #expect(later.description == "1700000001.001000000")
    }
}

@Suite("Capture times a corrupt file claims")
struct WildTimestampTests {
    @Test("a fraction over a second is carried, and seconds are clamped to 0...2^40")
    func sanitizing() {
        let carried = CaptureTimestamp(sanitizingSeconds: 10, fraction: 2_500_000_000, fractionsPerSecond: 1_000_000_000)
        #expect(carried == CaptureTimestamp(seconds: 12, nanoseconds: 500_000_000))
        let micro = CaptureTimestamp(sanitizingSeconds: 10, fraction: 1_250_000, fractionsPerSecond: 1_000_000)
        #expect(micro == CaptureTimestamp(seconds: 11, nanoseconds: 250_000_000))
        let borrowed = CaptureTimestamp(sanitizingSeconds: 10, fraction: -1, fractionsPerSecond: 1_000_000_000)
        #expect(borrowed == CaptureTimestamp(seconds: 9, nanoseconds: 999_999_999))
        #expect(CaptureTimestamp(sanitizingSeconds: .max, fraction: .max, fractionsPerSecond: 1_000_000_000).seconds == CaptureTimestamp.latestSeconds)
        #expect(CaptureTimestamp(sanitizingSeconds: .min, fraction: .min, fractionsPerSecond: 1_000_000) == CaptureTimestamp(seconds: 0, nanoseconds: 0))
    }

    @Test("differences of any two times are finite and keep their sign; printing never traps")
    func extremes() {
        let first = CaptureTimestamp(seconds: 0, nanoseconds: 0)
        let last = CaptureTimestamp(seconds: .max, nanoseconds: .max)
        #expect(last.seconds(since: first) > 9e18)
        #expect(first.seconds(since: last) < -9e18)
        #expect(CaptureTimestamp(seconds: 5, nanoseconds: -1).description == "5.000000001")
    }
}
