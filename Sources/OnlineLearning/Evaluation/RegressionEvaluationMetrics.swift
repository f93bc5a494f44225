// MARK: - RegressionEvaluationMetrics

/// Everything `flywheel eval` reports for a regression stream: MAE, RMSE and R² over the whole stream, and MAE over
/// the last 1,000 requests and with fading factor 0.999.
public struct RegressionEvaluationMetrics: PrequentialMetrics {
    /// MAE, RMSE and R² over the whole stream.
    public private(set) var overall = RegressionMetrics()
    /// MAE over the last 1,000 requests.
    public private(set) var recentAbsoluteError = RollingMean(window: 1000)
    /// MAE with fading factor 0.999.
    public private(set) var fadingAbsoluteError = FadingMean(factor: 0.999)

    /// Makes empty metrics.
    public init() {}

    /// How many predictions were scored.
    public var count: Int { overall.count }

    /// Scores one prediction.
    public mutating func update(target: Double, prediction: Double) {
        overall.update(target: target, prediction: prediction)
        recentAbsoluteError.append(abs(prediction - target))
        fadingAbsoluteError.append(abs(prediction - target))
    }
}
