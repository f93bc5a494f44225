import Foundation
import KafkaTransport
import OnlineLearning

// MARK: - LoopRole

/// The parts of the loop a process runs (`flywheel serve --role`).
public enum LoopRole: String, Sendable, CaseIterable, Hashable {
    /// Serves predictions for requests, picking up model events as they come.
    case inference
    /// Joins predictions with labels and keeps per-model metrics.
    case feedback
    /// Trains the models, decides promotions and rollbacks, and keeps the SQLite registry.
    case trainer
}

// MARK: - LoopTopics

/// The topic names the loop uses (defaults as in streams/README.md).
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

// MARK: - LoopSettings

/// Everything a process needs to run some or all of the loop's roles.
public struct LoopSettings: Sendable {
    /// Where Kafka is, and any librdkafka property to pass through (TLS, SASL, …).
    public var client: KafkaClientConfiguration
    /// Topic names.
    public var topics = LoopTopics()
    /// Consumer groups are `<groupPrefix>-inference`, `-feedback`, `-trainer`, `-promoter`. Default: `flywheel`.
    public var groupPrefix = "flywheel"
    /// The roles this process runs. Default: all.
    public var roles: Set<LoopRole> = Set(LoopRole.allCases)
    /// The SQLite registry (trainer role). Default: `flywheel-registry.sqlite` in the working directory.
    public var registryPath = "flywheel-registry.sqlite"
    /// The feedback role's own state file (waiting predictions and labels, metrics, drift monitor), kept across
    /// restarts; nil keeps it in memory only. Default: `flywheel-feedback.sqlite`.
    public var feedbackStatePath: String? = "flywheel-feedback.sqlite"
    /// Examples between published versions of each model. Default: 250.
    public var publishEvery = 250
    /// The promotion rule's window of paired requests. Default: 1,000.
    public var promotionWindow = 1000
    /// The promotion rule's accuracy margin. Default: 0.02.
    public var promotionMargin = 0.02
    /// How long a prediction waits for its label (and a label for its prediction). Default: 10 minutes.
    public var joinWindow: Duration = .seconds(600)
    /// Windowed accuracy covers this many recent examples per model. Default: 1,000.
    public var metricsWindow = 1000
    /// The shadow the trainer restarts from nothing when a detector flags a drift on the champion (`nil`: none).
    /// Default: `logreg-fresh`; use `linreg-fresh` with regression models.
    public var restartsOnChampionDrift: String? = "logreg-fresh"
    /// Joined examples between regular drift reports of each model (alarms are reported at once). Default: 5,000.
    public var driftReportEvery = 5000
    /// Also end a drift window after this long, if sooner (nil: by examples only). Default: nil.
    public var driftReportInterval: Duration?
    /// The feature-drift reference (the operator pins it by position: skip `warmUp` joined requests, then take
    /// `referenceSize`), the test level and sample sizes. Default: after 2,000, the next 2,000; alpha 0.01.
    public var featureDrift = DriftMonitor.loopFeatureConfiguration

    /// librdkafka properties for the consumers only (e.g. `session.timeout.ms`), applied after the client's.
    public var consumerProperties: [String: String] = [:]

    /// The consumers' `fetch.wait.max.ms`, or `nil` for librdkafka's default (500 ms). A Kafka broker answers a
    /// waiting fetch as soon as data arrives; the embedded broker waits out the whole time, so with it the loop uses
    /// 10 ms (see ``embedded(bootstrapServers:)``).
    public var fetchWait: Duration?

    /// Settings for the cluster at `client`.
    public init(client: KafkaClientConfiguration) {
        self.client = client
    }

    /// Settings for librdkafka's embedded broker at `bootstrapServers`: short fetch waits (see ``fetchWait``).
    public static func embedded(bootstrapServers: String) -> LoopSettings {
        var settings = LoopSettings(client: KafkaClientConfiguration(bootstrapServers: [bootstrapServers]))
        settings.fetchWait = .milliseconds(10)
        return settings
    }
}
