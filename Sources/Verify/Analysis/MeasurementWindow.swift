/// The samples that fall in the load's measured phase: the ramp (connecting and logging in)
/// is left out, because its work is not the steady state a host is judged on.
public enum MeasurementWindow {
    /// Samples from half a second after the ramp to half a second after the measured phase
    /// (the sampler's tick lags the load's own clock by up to that); all samples when fewer
    /// than two fall inside, so a short run is still judged on what there is.
    public static func select(
        _ samples: [VerifySample], loadStart: Double, rampSeconds: Double, measuredSeconds: Double
    ) -> [VerifySample] {
        let start = loadStart + rampSeconds + 0.5
        let end = loadStart + rampSeconds + measuredSeconds + 0.5
        let window = samples.filter { $0.time >= start && $0.time <= end }
        return window.count < 2 ? samples : window
    }
}
