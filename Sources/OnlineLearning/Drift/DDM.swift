import Foundation

// MARK: - DDM

/// The Drift Detection Method (Gama et al. 2004) on a 0/1 error stream, as river's `drift.binary.DDM` with its
/// defaults: the error rate `p` and its standard deviation `s = √(p(1 − p)/n)`; after `warmStart` values, the lowest
/// `p + s` seen is the reference; `p + s` above `p_min + 2·s_min` is a warning, above `p_min + 3·s_min` a drift.
public struct DDM: DriftDetector, Hashable {
    /// Values before the test starts. Default: 30.
    public let warmStart: Int
    /// Warning at this many reference deviations. Default: 2.
    public let warningThreshold: Double
    /// Drift at this many reference deviations. Default: 3.
    public let driftThreshold: Double

    public private(set) var state = DriftState.stable
    private var errorRate = RunningMean()
    private var minimumRate = 0.0
    private var minimumDeviation = 0.0
    private var minimumSum = Double.infinity

    /// Makes a detector.
    public init(warmStart: Int = 30, warningThreshold: Double = 2, driftThreshold: Double = 3) {
        self.warmStart = warmStart
        self.warningThreshold = warningThreshold
        self.driftThreshold = driftThreshold
    }

    public mutating func update(_ value: Double) -> DriftState {
        if state == .drift { reset() }
        errorRate.update(value)
        let p = errorRate.mean, n = errorRate.count
        let s = (p * (1 - p) / n).squareRoot()
        if n > Double(warmStart) {
            if p + s <= minimumSum {
                minimumRate = p
                minimumDeviation = s
                minimumSum = minimumRate + minimumDeviation
            }
            state = p + s > minimumRate + warningThreshold * minimumDeviation ? .warning : .stable
            if p + s > minimumRate + driftThreshold * minimumDeviation { state = .drift }
        }
        return state
    }

    public mutating func reset() {
        self = DDM(warmStart: warmStart, warningThreshold: warningThreshold, driftThreshold: driftThreshold)
    }
}
