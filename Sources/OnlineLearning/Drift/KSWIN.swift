import Foundation

// MARK: - KSWIN

/// Kolmogorov-Smirnov WINdowing (Raab, Heusinger & Schleif 2020), as river's `drift.KSWIN` with its defaults: a
/// sliding window of `windowSize` values; once full, its newest `statSize` values are compared with `statSize`
/// values drawn at random from the older part by the exact two-sample KS test; a drift when the p-value is at most
/// `alpha` and the statistic above 0.1. Like river's, it starts afresh after a drift.
///
/// The random draws come from a seeded SplitMix64, not Python's Mersenne Twister, so the alarm indices are not
/// river's one for one (the test and its p-value are: `ksExactPValue` matches scipy's `ks_2samp(method="exact")`).
public struct KSWIN: DriftDetector {
    /// Significance of the test. Default: 0.005.
    public let alpha: Double
    /// Values in the window. Default: 100.
    public let windowSize: Int
    /// Values in each compared sample. Default: 30.
    public let statSize: Int
    /// Seed of the random draws. Default: 42.
    public let seed: UInt64

    public private(set) var state = DriftState.stable
    /// The last test's p-value (0 before the window is full).
    public private(set) var pValue = 0.0
    private var window: [Double] = []
    private var random: SplitMix64

    /// Makes a detector.
    public init(alpha: Double = 0.005, windowSize: Int = 100, statSize: Int = 30, seed: UInt64 = 42) {
        precondition(alpha >= 0 && alpha <= 1 && statSize > 0 && windowSize >= 2 * statSize, "invalid KSWIN settings")
        self.alpha = alpha
        self.windowSize = windowSize
        self.statSize = statSize
        self.seed = seed
        random = SplitMix64(seed: seed)
    }

    public mutating func update(_ value: Double) -> DriftState {
        if state == .drift { reset() }
        window.append(value)
        if window.count > windowSize { window.removeFirst(window.count - windowSize) }
        guard window.count >= windowSize else {
            state = .stable
            return state
        }
        // statSize distinct positions of the older part, drawn without replacement (partial Fisher-Yates).
        var positions = Array(0..<(windowSize - statSize))
        for index in 0..<statSize {
            let pick = index + Int(random.next() % UInt64(positions.count - index))
            positions.swapAt(index, pick)
        }
        let drawn = positions.prefix(statSize).map { window[$0] }.sorted()
        let recent = window.suffix(statSize).sorted()
        let statistic = DriftStatistics.ksStatistic(sortedReference: drawn, sortedCurrent: Array(recent))
        pValue = DriftStatistics.ksExactPValue(statistic, n1: statSize, n2: statSize)
        state = pValue <= alpha && statistic > 0.1 ? .drift : .stable
        return state
    }

    public mutating func reset() {
        self = KSWIN(alpha: alpha, windowSize: windowSize, statSize: statSize, seed: seed)
    }
}

