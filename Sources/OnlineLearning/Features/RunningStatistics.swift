// MARK: - RunningStatistics

/// Count, mean and variance of a stream, updated one value at a time with Welford's algorithm (numerically stable;
/// no sum of squares).
public struct RunningStatistics: Sendable, Hashable, Codable {
    /// How many values were seen.
    public private(set) var count: Int = 0
    /// Their mean (0 before the first value).
    public private(set) var mean: Double = 0
    /// The sum of squared deviations from the mean (Welford's M2).
    public private(set) var sumOfSquaredDeviations: Double = 0

    /// Makes empty statistics.
    public init() {}

    /// Restores saved statistics (``ModelBlob``).
    init(count: Int, mean: Double, sumOfSquaredDeviations: Double) {
        self.count = count
        self.mean = mean
        self.sumOfSquaredDeviations = sumOfSquaredDeviations
    }

    /// Adds one value, unless it would make the statistics overflow (a value near ±1.8e308, or one whose squared
    /// deviation is not representable); such a value leaves them unchanged.
    /// - Returns: whether the value was added.
    @discardableResult
    public mutating func update(_ value: Double) -> Bool {
        let newCount = count + 1
        let delta = value - mean
        let newMean = mean + delta / Double(newCount)
        let newDeviations = sumOfSquaredDeviations + delta * (value - newMean)
        guard value.isFinite, newMean.isFinite, newDeviations.isFinite else { return false }
        count = newCount
        mean = newMean
        sumOfSquaredDeviations = newDeviations
        return true
    }

    /// The population variance (divided by n, as river's `StandardScaler` and `numpy.var` use); 0 before two values.
    public var variance: Double { count > 1 ? sumOfSquaredDeviations / Double(count) : 0 }

    /// The population standard deviation.
    public var standardDeviation: Double { variance.squareRoot() }

    /// `(value − mean) / standard deviation`, or 0 while the deviation is 0 (as river's `safe_div`).
    public func standardized(_ value: Double) -> Double {
        let deviation = standardDeviation
        return deviation > 0 ? (value - mean) / deviation : 0
    }
}
