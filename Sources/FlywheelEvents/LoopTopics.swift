// MARK: - LoopTopics

/// The topic names the loop uses (defaults as in streams/README.md): the one list every role, the replayer and the
/// broker take their names from.
public struct LoopTopics: Sendable, Hashable {
    /// Request events. Default: `flywheel.requests`.
    public var requests = "flywheel.requests"
    /// Prediction events. Default: `flywheel.predictions`.
    public var predictions = "flywheel.predictions"
    /// Label events. Default: `flywheel.labels`.
    public var labels = "flywheel.labels"
    /// Joined examples. Default: `flywheel.examples`.
    public var examples = "flywheel.examples"
    /// Model events. Default: `flywheel.models`.
    public var models = "flywheel.models"
    /// Drift reports. Default: `flywheel.drift`.
    public var drift = "flywheel.drift"
    /// Malformed events with their reasons. Default: `flywheel.dead-letter`.
    public var deadLetter = "flywheel.dead-letter"

    /// The defaults above.
    public init() {}

    /// Every topic, in pipeline order.
    public var all: [String] { [requests, predictions, labels, examples, models, drift, deadLetter] }

    /// The same names with a prefix (tests use one per run).
    public func prefixed(_ prefix: String) -> LoopTopics {
        var topics = self
        topics.requests = prefix + requests
        topics.predictions = prefix + predictions
        topics.labels = prefix + labels
        topics.examples = prefix + examples
        topics.models = prefix + models
        topics.drift = prefix + drift
        topics.deadLetter = prefix + deadLetter
        return topics
    }
}
