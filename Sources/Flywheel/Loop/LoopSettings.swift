import FlywheelEvents
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

// MARK: - PromotionRuleKind

/// The promotion rules the loop can run (`--promotion-rule`).
public enum PromotionRuleKind: String, Sendable, CaseIterable, Hashable {
    /// ``SequentialPromotionRule``: the anytime-valid paired test (the default).
    case sequential
    /// ``PromotionRule``: the window rule, kept for comparison.
    case window
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
    /// How many of each model's newest versions the registry keeps (nil: all); versions the audit log names or the
    /// champion alias points to are kept whatever their age. Default: 100 — at a version per 250 examples, the last
    /// 25,000 examples of every model, and a registry of a few MB instead of one that grows with every version
    /// (33 MB per 100,000 requests on agrawal, whose perceptron versions are ~70 KB).
    public var keepVersions: Int? = 100
    /// The feedback role's own state file (metrics and drift detectors; the join itself is rebuilt from Kafka), kept
    /// across restarts; nil keeps it in memory only. Default: `flywheel-feedback.sqlite`.
    public var feedbackStatePath: String? = "flywheel-feedback.sqlite"
    /// The trainer's state file (models, the input positions they reflect, recent request ids), saved with every
    /// published version so a restarted trainer learns each example once; a second trainer on the same file stands
    /// by (``TrainerLock``). nil: no state file — a restarted trainer resumes from the registry's latest versions.
    /// Default: `flywheel-trainer.sqlite`.
    public var trainerStatePath: String? = "flywheel-trainer.sqlite"
    /// A registry an inference process starts from (read only: the newest version of every model, the champion,
    /// and the models-topic position they reflect), reading only the model events after it instead of the whole
    /// topic — e.g. the trainer's registry on a shared disk. nil (default): replay the models topic from the
    /// beginning.
    public var modelsSnapshotPath: String?
    /// How long start-up waits for an unreachable cluster (a broker restarting or stalled) before it gives up.
    /// Default: 60 s.
    public var startupTimeout: Duration = .seconds(60)
    /// Request ids the trainer and the promoter remember, to apply an example published twice once. Default:
    /// ``LoopDefaults/recentRequests``.
    public var recentRequests = LoopDefaults.recentRequests
    /// Examples between published versions of each model (``ModelTrainer/publishInterval(of:every:)``). Default: 250.
    public var publishEvery = 250
    /// Whether a model that has learned few examples publishes sooner: every eighth of what it has learned, from 10
    /// examples up to its interval (``ModelTrainer/youngInterval(learned:regular:)``). Default: true.
    public var publishesYoungModelsSooner = true
    /// Examples between saves of the trainer's state, when it has a state file (nil: a save with every batch that
    /// published a version). Default: 250 — a save writes every model with its optimizer state (~210 KB for agrawal's
    /// perceptron), so it costs more than a published serving version; see ``TrainerRole``.
    public var saveEvery: Int? = 250
    /// Which promotion rule decides. Default: `.sequential`.
    public var promotionRule = PromotionRuleKind.sequential
    /// The sequential rule's level, margin and restart policy (α 0.05, δ 0 by default).
    public var promotion = SequentialPromotionRule.Configuration()
    /// The window rule's window of paired requests. Default: 1,000.
    public var promotionWindow = 1000
    /// The window rule's accuracy margin. Default: 0.02.
    public var windowMargin = 0.02
    /// How long a prediction waits for its label (and a label for its prediction). Default: 10 minutes.
    public var joinWindow: Duration = .seconds(600)
    /// Windowed accuracy covers this many recent examples per model. Default: 1,000.
    public var metricsWindow = 1000
    /// The shadow the trainer restarts from nothing when a detector flags a drift on the champion (`nil`: none).
    /// Default: `logreg-fresh`; use `linreg-fresh` with regression models.
    public var restartsOnChampionDrift: String? = "logreg-fresh"
    /// Joined examples between regular drift reports of each model (alarms are reported at once). Default: 5,000
    /// (``LoopDefaults/driftReportEvery``).
    public var driftReportEvery = LoopDefaults.driftReportEvery
    /// Also end a drift window after this long, if sooner (nil: by examples only). Default: nil.
    public var driftReportInterval: Duration?
    /// The feature-drift reference (the operator pins it by position: skip `warmUp` joined requests, then take
    /// `referenceSize`), the test level and sample sizes. Default: after 2,000, the next 2,000; alpha 0.01.
    public var featureDrift = DriftMonitor.loopFeatureConfiguration
    /// The label guard's settings (``OnlineLearning/LabelGuard``: training pauses while the labels look bad), or nil
    /// for none — every joined label is learned. Classifiers only. Default: the guard's defaults.
    public var labelGuard: LabelGuard.Configuration? = LabelGuard.Configuration()

    /// How often a role sends a batch's undelivered output before it gives up (the service group then ends).
    /// Default: 5.
    public var deliveryAttempts = 5
    /// The wall clock stamped on events and registry entries. Default: the system's.
    public var wallClock: any WallClock = SystemWallClock()

    /// librdkafka properties for the consumers only (e.g. `session.timeout.ms`), applied after the client's.
    public var consumerProperties: [String: String] = [:]

    /// librdkafka properties for the producer only (e.g. `compression.type`), applied after the client's.
    public var producerProperties: [String: String] = [:]

    /// Whether each role's consumer reads every partition of its input topics by itself (`rd_kafka_assign`, from the
    /// role's committed offsets) instead of sharing them out in the role's consumer group. Default: `false`.
    ///
    /// For a loop that is the only instance of each of its roles — `flywheel demo` — it skips the group join, which
    /// the embedded broker holds for 3 s (a fixed initial rebalance delay), and every rebalance. Commits still go to
    /// the role's group, so a restart resumes where the last run left off. Never turn it on for roles that run in
    /// more than one process: each would read and act on every record.
    public var readsAllPartitions = false

    /// The inference role's requests consumer's `fetch.wait.max.ms`, or `nil` for librdkafka's default (500 ms).
    /// A Kafka broker answers a waiting fetch as soon as data arrives; the embedded broker (`flywheel broker`
    /// included) waits out the whole time, so with it the loop uses 1 ms (see ``embedded(bootstrapServers:)``): a
    /// request waits at most that long to be fetched.
    public var fetchWait: Duration?

    /// `fetch.wait.max.ms` of every other consumer (feedback, trainer, promoter, registry, model updates), or `nil`
    /// for librdkafka's default. No request waits on them, but a label does: its way to a new version of every model
    /// passes the feedback and trainer consumers and, back in inference, the model-updates consumer, and every
    /// millisecond there is staleness — requests served by models that have not learned labels already sent. Against
    /// the embedded broker each idle fetch also costs CPU (the broker's and the client's: at 1 ms the idle fetches of
    /// six consumers took ~20% of a core per process at 1,000 requests/s), so it waits 5 ms there: at 50 ms, the
    /// demo's served accuracy on agrawal was 0.8853 instead of 0.8940, on sea 0.8750 instead of 0.8773 (with 50-request
    /// pacing; docs/benchmarks.md, issue 16). `flywheel demo`, never idle, sets 1 ms.
    public var backgroundFetchWait: Duration?

    /// Each loop consumer's `queued.max.messages.kbytes`: how much librdkafka prefetches ahead of the role. Default:
    /// nil, librdkafka's own 65,536 (64 MB). A role that keeps up holds far less; one that falls behind holds up to
    /// this much of its backlog (~150 MB in a lagging feedback role). 8,192 saved that memory but cost ~25% of the
    /// loop's sustained rate at max (the consumer stalls whenever its queue is full until the broker thread's next
    /// wake-up; docs/benchmarks.md), so the default stays. `-X queued.max.messages.kbytes=…` sets it too.
    public var prefetchKilobytes: Int?

    /// The loop's producer's `linger.ms`: how long an output waits for more to share its batch. Default: 0 — a
    /// prediction is sent as soon as it is made; under load librdkafka still batches whatever queues while a request
    /// to the broker is in flight, so throughput does not need a linger (docs/benchmarks.md measures both).
    public var producerLinger: Duration = .zero

    /// The promotion policy these settings choose.
    public func makePromotionPolicy() -> any PromotionPolicy {
        switch promotionRule {
        case .sequential: SequentialPromotionRule(configuration: promotion)
        case .window: PromotionRule(window: promotionWindow, margin: windowMargin)
        }
    }

    /// Settings for the cluster at `client`.
    public init(client: KafkaClientConfiguration) {
        self.client = client
    }

    /// Settings for librdkafka's embedded broker at `bootstrapServers`: short fetch waits (see ``fetchWait``).
    public static func embedded(bootstrapServers: String) -> LoopSettings {
        var settings = LoopSettings(client: KafkaClientConfiguration(bootstrapServers: [bootstrapServers]))
        settings.fetchWait = .milliseconds(1)
        settings.backgroundFetchWait = .milliseconds(5)
        return settings
    }
}
