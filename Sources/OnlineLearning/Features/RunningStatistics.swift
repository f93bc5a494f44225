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

    /// Adds one value.
    public mutating func update(_ value: Double) {
        count += 1
        let delta = value - mean
        mean += delta / Double(count)
        sumOfSquaredDeviations += delta * (value - mean)
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
