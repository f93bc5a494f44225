// MARK: - FlywheelTopics

/// Flywheel's default topic names (see streams/README.md for keys and values).
enum FlywheelTopics {
    /// Request events, keyed by request id.
    static let requests = "flywheel.requests"
    /// Prediction events, keyed by request id.
    static let predictions = "flywheel.predictions"
    /// Label events, keyed by request id.
    static let labels = "flywheel.labels"
    /// Joined examples, keyed by request id.
    static let examples = "flywheel.examples"
    /// Model events, keyed by model id.
    static let models = "flywheel.models"
    /// Drift reports, keyed by model id.
    static let drift = "flywheel.drift"
    /// Malformed events with the reason, keyed by the original key.
    static let deadLetter = "flywheel.dead-letter"

    /// Every default topic, in pipeline order.
    static let defaults = [requests, predictions, labels, examples, models, drift, deadLetter]
}
