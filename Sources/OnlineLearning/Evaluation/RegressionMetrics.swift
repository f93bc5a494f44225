// MARK: - RegressionMetrics

/// Mean absolute error and root mean squared error, accumulated one prediction at a time.
public struct RegressionMetrics: PrequentialMetrics, Hashable, Codable {
    /// How many predictions were scored.
    public private(set) var count = 0
    /// The sum of absolute errors.
    public private(set) var totalAbsoluteError = 0.0
    /// The sum of squared errors.
    public private(set) var totalSquaredError = 0.0
    /// Running statistics of the targets, for R².
    public private(set) var targets = RunningStatistics()

    /// Makes empty metrics.
    public init() {}

    /// Scores one prediction.
    public mutating func update(target: Double, prediction: Double) {
        count += 1
        let error = prediction - target
        totalAbsoluteError += abs(error)
        totalSquaredError += error * error
        targets.update(target)
    }

    /// The mean absolute error (0 before any).
    public var meanAbsoluteError: Double { count > 0 ? totalAbsoluteError / Double(count) : 0 }

    /// The coefficient of determination, `1 − SSE / SST` (0 while the targets have not varied).
    public var rSquared: Double {
        let totalSumOfSquares = targets.sumOfSquaredDeviations
        return totalSumOfSquares > 0 ? 1 - totalSquaredError / totalSumOfSquares : 0
    }

    /// The root mean squared error (0 before any).
    public var rootMeanSquaredError: Double { count > 0 ? (totalSquaredError / Double(count)).squareRoot() : 0 }
}
