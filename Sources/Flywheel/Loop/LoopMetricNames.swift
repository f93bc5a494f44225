// MARK: - LoopMetricNames

/// Names of the metrics the roles record themselves through swift-metrics (the counters are read from the roles'
/// statistics by whoever exports them; see `FlywheelHTTP.LoopMetrics`).
public enum LoopMetricNames {
    /// A timer: each joined request's label delay (the feedback role).
    public static let labelDelay = "flywheel_label_delay_seconds"
}
