import CoreMetrics
import Flywheel
import Foundation
import KafkaTransport
import Prometheus
import Synchronization

// MARK: - LoopMetrics

/// The loop's metrics in Prometheus' text format. Each scrape reads the roles' own statistics (the runners'
/// ``Flywheel/RoleRunner/Statistics``, the join's counters, the scoreboard, the promoter's decisions, the consumers'
/// lag, the producer's queue) and brings swift-metrics counters and gauges made by a `PrometheusMetricsFactory` up to
/// them — there is no second set of counters to drift apart. The label-delay histogram is recorded by the feedback
/// role itself through the same factory (``Flywheel/LoopMetricNames/labelDelay``). docs/operations.md lists every
/// metric and what it means.
public final class LoopMetrics: Sendable {
    /// The Prometheus registry every metric of this process lands in.
    public let registry: PrometheusCollectorRegistry
    /// The swift-metrics factory over ``registry``; bootstrap `MetricsSystem` with it so the roles' own metrics
    /// (the label-delay timer) land in the same registry.
    public let factory: PrometheusMetricsFactory
    private let loop: FlywheelLoop
    private let state = Mutex(SampleState())

    /// The counters' last values (a counter only goes up, by the difference) and the learning rate's last sample.
    private struct SampleState: Sendable {
        var counted: [SeriesKey: Int] = [:]
        var counters: [SeriesKey: CoreMetrics.Counter] = [:]
        var gauges: [SeriesKey: CoreMetrics.Gauge] = [:]
        var lastLearned: (examples: Int, at: ContinuousClock.Instant)?
        var learningRate = 0.0
    }

    /// A metric name with its labels.
    private struct SeriesKey: Hashable, Sendable {
        var name: String
        var labels: [String]

        var dimensions: [(String, String)] {
            stride(from: 0, to: labels.count, by: 2).map { (labels[$0], labels[$0 + 1]) }
        }
    }

    /// Label-delay histogram buckets, in seconds: from 10 ms (labels in the same second) to a day.
    public static let labelDelayBuckets: [Duration] = [
        .milliseconds(10), .milliseconds(100), .seconds(1), .seconds(5), .seconds(30), .seconds(60), .seconds(300),
        .seconds(900), .seconds(3600), .seconds(21_600), .seconds(86_400),
    ]

    /// A factory over a new registry, with the label-delay buckets: bootstrap `MetricsSystem` with it before the
    /// loop is made (the roles make their own metrics then), and pass it to ``init(loop:factory:)``.
    public static func makeFactory() -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())
        factory.durationHistogramBuckets[LoopMetricNames.labelDelay] = Self.labelDelayBuckets
        return factory
    }

    /// ``makeFactory()``, bootstrapped as the process's swift-metrics backend. Call it once per process, before the
    /// loop is made.
    public static func bootstrapProcessMetrics() -> PrometheusMetricsFactory {
        let factory = makeFactory()
        MetricsSystem.bootstrap(factory)
        return factory
    }

    /// Metrics of `loop`, into `factory`'s registry.
    public init(loop: FlywheelLoop, factory: PrometheusMetricsFactory) {
        self.loop = loop
        self.registry = factory.registry
        self.factory = factory
    }

    /// Brings every metric up to the roles' statistics and returns the exposition text.
    public func scrape(now: ContinuousClock.Instant = .now) -> String {
        sample(now: now)
        return registry.emitToString()
    }

    /// Reads the roles' statistics into the metrics.
    public func sample(now: ContinuousClock.Instant = .now) {
        var counts: [(SeriesKey, Int)] = []
        var levels: [(SeriesKey, Double)] = [(SeriesKey(name: "flywheel_up", labels: []), 1)]
        func count(_ name: String, _ labels: [String] = [], _ value: Int) { counts.append((SeriesKey(name: name, labels: labels), value)) }
        func level(_ name: String, _ labels: [String] = [], _ value: Double) { levels.append((SeriesKey(name: name, labels: labels), value)) }
        func runner(_ role: String, _ statistics: RoleStatistics, lag: [KafkaTopicPartition: Int64]) {
            count("flywheel_records_consumed_total", ["role", role], statistics.consumed)
            count("flywheel_events_published_total", ["role", role], statistics.published)
            for cause in ["malformed", "refused"] {
                count("flywheel_dead_lettered_total", ["role", role, "cause", cause], statistics.deadLetteredByCause[cause] ?? 0)
            }
            count("flywheel_dead_lettered_total", ["role", role, "cause", "unpublishable"], statistics.unpublishable)
            for (partition, records) in lag {
                level("flywheel_consumer_lag", ["role", role, "topic", partition.topic, "partition", String(partition.partition)], Double(records))
            }
        }

        if let engine = loop.engine {
            count("flywheel_requests_served_total", [], engine.requestsServed)
            runner("inference", RoleStatistics(engine.statistics), lag: engine.consumerLag)
            level("flywheel_assigned_partitions", ["role", "inference"], Double(engine.assignedPartitions))
        }
        if let live = loop.liveModels {
            let set = live.snapshot
            for model in [set.champion] + set.shadows {
                level("flywheel_model_version", ["model", model.reference.id], Double(model.reference.version))
                level("flywheel_champion", ["model", model.reference.id], model.reference.id == set.champion.reference.id ? 1 : 0)
            }
        }
        if let updates = loop.modelUpdates {
            count("flywheel_model_events_read_total", [], updates.eventsRead)
            level("flywheel_models_caught_up", [], updates.isCaughtUp ? 1 : 0)
        }
        if let joiner = loop.joiner {
            let account = joiner.labelAccount(labelsTopic: loop.topics.labels)
            let counters = joiner.counters
            count("flywheel_labels_received_total", [], account.received)
            count("flywheel_labels_total", ["outcome", "joined"], account.joined)
            count("flywheel_labels_total", ["outcome", "orphaned"], account.orphaned)
            count("flywheel_labels_total", ["outcome", "duplicate"], account.duplicate)
            count("flywheel_labels_total", ["outcome", "dead_lettered"], account.deadLettered)
            count("flywheel_predictions_unlabeled_total", [], counters.unlabeledPredictions)
            let pending = joiner.pending
            level("flywheel_labels_waiting", [], Double(pending.labels))
            level("flywheel_predictions_waiting", [], Double(pending.predictions))
            count("flywheel_labels_held_back_total", [], joiner.labelsHeldBack)
            if let suspect = joiner.labelsSuspect { level("flywheel_labels_suspect", [], suspect ? 1 : 0) }
            if let estimate = joiner.withCore({ $0.inFlightEstimate() }) {
                level("flywheel_inflight_accuracy_estimate", [], estimate.estimated)
            }
            count("flywheel_drift_reports_published_total", [], joiner.driftReportsPublished)
            for (model, alarms) in Dictionary(grouping: joiner.driftAlarms, by: \.model.id) {
                count("flywheel_drift_alarms_total", ["model", model], alarms.count)
            }
            for (id, entry) in joiner.scoreboard.entries {
                let metric = entry.isClassifier ? "accuracy" : "mae"
                let recent = entry.isClassifier ? entry.recent.value : entry.recentAbsoluteError.value
                let overall = entry.isClassifier ? entry.overall.accuracy : entry.regression.meanAbsoluteError
                level("flywheel_model_metric", ["model", id, "metric", metric, "window", "recent"], recent)
                level("flywheel_model_metric", ["model", id, "metric", metric, "window", "overall"], overall)
                if loop.liveModels == nil {
                    level("flywheel_model_version", ["model", id], Double(entry.latest.version))
                }
            }
            runner("feedback", RoleStatistics(joiner.statistics), lag: joiner.consumerLag)
            level("flywheel_assigned_partitions", ["role", "feedback"], Double(joiner.assignedPartitions))
        }
        if let trainer = loop.trainer {
            let learning = trainer.learning
            count("flywheel_examples_learned_total", [], learning.examplesLearned)
            count("flywheel_model_versions_published_total", [], learning.versionsPublished)
            level("flywheel_learning_rate", [], learningRate(examples: learning.examplesLearned, now: now))
            runner("trainer", RoleStatistics(trainer.statistics), lag: trainer.consumerLag)
            level("flywheel_assigned_partitions", ["role", "trainer"], Double(trainer.assignedPartitions))
        }
        if let promoter = loop.promoter {
            let decisions = promoter.decisions
            for kind in ["promotion", "rollback", "retirement"] {
                count("flywheel_decisions_total", ["kind", kind], decisions.filter { $0.decision.kind.rawValue == kind }.count)
            }
            level("flywheel_decisions_frozen", [], promoter.isFrozen ? 1 : 0)
            runner("promoter", RoleStatistics(promoter.statistics), lag: promoter.consumerLag)
        }
        let producer = loop.producer.statistics
        level("flywheel_producer_queue_depth", [], Double(loop.producer.outstandingMessages))
        count("flywheel_producer_delivered_total", [], producer.delivered)
        count("flywheel_producer_delivery_errors_total", [], producer.failed)
        apply(counts: counts, levels: levels)
    }

    /// Examples learned per second since the previous sample at least a second ago.
    private func learningRate(examples: Int, now: ContinuousClock.Instant) -> Double {
        state.withLock { state in
            guard let last = state.lastLearned else {
                state.lastLearned = (examples, now)
                return 0
            }
            let elapsed = now - last.at
            guard elapsed >= .seconds(1) else { return state.learningRate }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            state.learningRate = Double(examples - last.examples) / seconds
            state.lastLearned = (examples, now)
            return state.learningRate
        }
    }

    private func apply(counts: [(SeriesKey, Int)], levels: [(SeriesKey, Double)]) {
        let factory = self.factory
        state.withLock { state in
            for (key, value) in counts {
                let counter = state.counters[key] ?? {
                    let made = CoreMetrics.Counter(label: key.name, dimensions: key.dimensions, factory: factory)
                    state.counters[key] = made
                    return made
                }()
                let increase = value - (state.counted[key] ?? 0)
                if increase > 0 { counter.increment(by: increase) }
                state.counted[key] = max(value, state.counted[key] ?? 0)
            }
            for (key, value) in levels {
                let gauge = state.gauges[key] ?? {
                    let made = CoreMetrics.Gauge(label: key.name, dimensions: key.dimensions, factory: factory)
                    state.gauges[key] = made
                    return made
                }()
                gauge.record(value)
            }
        }
    }
}

// MARK: - RoleStatistics

/// The part of a role runner's statistics the metrics read (the runners' `Statistics` types differ by role).
struct RoleStatistics {
    var consumed: Int
    var published: Int
    var unpublishable: Int
    var deadLetteredByCause: [String: Int]

    init<Role: StreamRole, C: Clock<Duration>>(_ statistics: RoleRunner<Role, C>.Statistics) {
        consumed = statistics.consumed
        published = statistics.published
        unpublishable = statistics.unpublishable
        deadLetteredByCause = statistics.deadLetteredByCause
    }
}
