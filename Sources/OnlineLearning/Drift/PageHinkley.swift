import Foundation

// MARK: - PageHinkley

/// The Page-Hinkley test for a change in the mean (Page 1954), as river's `drift.PageHinkley` with its defaults:
/// cumulative deviations from the running mean, faded by `alpha`, minus (or plus) a tolerance `delta`; a drift when
/// either cumulative sum moves more than `threshold` away from its extreme, after `minimumInstances` values.
public struct PageHinkley: DriftDetector, Hashable {
    /// Which direction of change to detect.
    public enum Mode: String, Sendable, Codable {
        /// Increases of the mean.
        case up
        /// Decreases of the mean.
        case down
        /// Both.
        case both
    }

    /// Values needed before a drift can be reported. Default: 30.
    public let minimumInstances: Int
    /// Tolerated change. Default: 0.005.
    public let delta: Double
    /// Detection threshold. Default: 50.
    public let threshold: Double
    /// Fading factor of the cumulative sums. Default: 1 − 0.0001.
    public let alpha: Double
    /// Direction. Default: both.
    public let mode: Mode

    public private(set) var state = DriftState.stable
    private var mean = RunningMean()
    private var sumIncrease = 0.0
    private var sumDecrease = 0.0
    private var minimumIncrease = Double.infinity
    private var maximumDecrease = -1.0

    /// Makes a detector.
    public init(minimumInstances: Int = 30, delta: Double = 0.005, threshold: Double = 50, alpha: Double = 1 - 0.0001, mode: Mode = .both) {
        self.minimumInstances = minimumInstances
        self.delta = delta
        self.threshold = threshold
        self.alpha = alpha
        self.mode = mode
    }

    public mutating func update(_ value: Double) -> DriftState {
        if state == .drift { reset() }
        mean.update(value)
        let deviation = value - mean.mean
        sumIncrease = alpha * sumIncrease + deviation - delta
        sumDecrease = alpha * sumDecrease + deviation + delta
        if sumIncrease < minimumIncrease { minimumIncrease = sumIncrease }
        if sumDecrease > maximumDecrease { maximumDecrease = sumDecrease }
        if mean.count >= Double(minimumInstances) {
            let increase = sumIncrease - minimumIncrease > threshold
            let decrease = maximumDecrease - sumDecrease > threshold
            let drifted = switch mode {
            case .up: increase
            case .down: decrease
            case .both: increase || decrease
            }
            state = drifted ? .drift : .stable
        }
        return state
    }

    public mutating func reset() {
        self = PageHinkley(minimumInstances: minimumInstances, delta: delta, threshold: threshold, alpha: alpha, mode: mode)
    }
}
