import FlywheelEvents
import Foundation
import KafkaTransport
import Logging
import ModelRegistry
import OnlineLearning
import ServiceLifecycle
import Synchronization

// MARK: - FeedbackJoiner

/// Joins predictions with their labels and publishes joined examples: reads both topics through one
/// ``KafkaTransport/KafkaConsumer``, keeps a ``JoinState``, a ``ModelScoreboard`` and a ``DriftMonitor``, publishes
/// each ``FlywheelEvents/JoinedExample`` keyed by request id and each drift report keyed by model id, and stores
/// offsets only after they are delivered.
/// Malformed predictions or labels go to the dead-letter topic with the reason.
///
/// - Important: the join state lives in memory; after a restart, predictions whose labels were still pending are
///   counted as unlabeled. Persisting it with the offsets is the registry's job (SQLite, a later issue).
public final class FeedbackJoiner<C: Clock<Duration>>: Service, Sendable where C.Instant: Sendable {
    /// Topics and the window.
    public struct Configuration: Sendable {
        /// Predictions to join. Default: `flywheel.predictions`.
        public var predictionsTopic = "flywheel.predictions"
        /// Labels to join. Default: `flywheel.labels`.
        public var labelsTopic = "flywheel.labels"
        /// Where joined examples go. Default: `flywheel.examples`.
        public var examplesTopic = "flywheel.examples"
        /// Where malformed events go. Default: `flywheel.dead-letter`.
        public var deadLetterTopic = "flywheel.dead-letter"
        /// How long a prediction waits for its label, and a label for its prediction. Default: 10 minutes.
        public var window: Duration = .seconds(600)
        /// How many recent examples each model's windowed accuracy covers. Default: 1,000.
        public var metricsWindow = 1000
        /// Where drift reports go. Default: `flywheel.drift`.
        public var driftTopic = "flywheel.drift"
        /// Examples between regular drift reports of a model (alarms are reported at once). Default: 1,000.
        public var driftReportEvery = 1000
        /// Also end a drift window after this long, if it comes before `driftReportEvery` examples (nil: never).
        public var driftReportInterval: Duration?
        /// The requests' feature schema, for feature, prediction and label drift (nil: error streams only).
        public var featureSchema: FeatureSchema?
        /// Which requests form the frozen feature reference (after a warm-up) and the test's level.
        public var featureDrift = DriftMonitor.loopFeatureConfiguration

        /// The defaults above.
        public init() {}
    }

    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let configuration: Configuration
    private let clock: C
    private let logger: Logger
    private let reportsPublished = Atomic<Int>(0)
    private let stateStore: StateStore?
    private let sinceSaved = Atomic<Int>(0)
    private let state: Mutex<(join: JoinState<C.Instant>, scoreboard: ModelScoreboard, drift: DriftMonitor)>

    /// Makes a joiner; `clock` decides when waiting entries expire. With a `stateStore`, it starts from the state it
    /// saved there (waiting predictions and labels, metrics, drift detectors and reference) and saves it every
    /// `driftReportEvery` joined examples and when it stops — so a graceful restart loses nothing and a crash loses
    /// at most the state since the last save.
    public init(
        consumer: KafkaConsumer, producer: KafkaProducer, configuration: Configuration = .init(), clock: C,
        stateStore: StateStore? = nil, logger: Logger
    ) {
        self.consumer = consumer
        self.producer = producer
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.stateStore = stateStore
        self.state = Mutex((
            JoinState(window: configuration.window), ModelScoreboard(window: configuration.metricsWindow),
            DriftMonitor(
                reportEvery: configuration.driftReportEvery,
                reportInterval: configuration.driftReportInterval.map { $0 / .seconds(1) },
                schema: configuration.featureSchema, features: configuration.featureDrift)))
        if let stateStore {
            do {
                if let data = try stateStore.load(Self.snapshotName),
                    let saved = try? JSONDecoder().decode(FeedbackSnapshot.self, from: data)
                {
                    state.withLock {
                        $0 = (JoinState(window: configuration.window, restoring: saved.join, at: clock.now), saved.scoreboard, saved.drift)
                    }
                    logger.notice("Feedback state restored", metadata: [
                        "flywheel.pending.predictions": "\(saved.join.predictions.count)",
                        "flywheel.pending.labels": "\(saved.join.labels.count)", "flywheel.joined": "\(saved.join.joined)",
                    ])
                }
            } catch {
                logger.error("Feedback state not restored; starting afresh", metadata: ["flywheel.error": "\(error)"])
            }
        }
    }

    /// The join's counters.
    public var counters: JoinState<C.Instant>.Counters { state.withLock { $0.join.counters } }

    /// How many predictions and labels wait for their other half.
    public var pending: (predictions: Int, labels: Int) { state.withLock { $0.join.pending } }

    /// Every model version's prequential metrics so far.
    public var scoreboard: ModelScoreboard { state.withLock { $0.scoreboard } }

    /// Every drift alarm so far.
    public var driftAlarms: [DriftMonitor.Alarm] { state.withLock { $0.drift.alarms } }

    /// Drift reports delivered so far.
    public var driftReportsPublished: Int { reportsPublished.load(ordering: .relaxed) }

    /// Joins until the consumer's messages end (or graceful shutdown), then saves its state.
    public func run() async throws {
        for await batch in consumer.messages.cancelOnGracefulShutdown() {
            try await handle(batch)
        }
        saveState()
    }

    static var snapshotName: String { "feedback" }

    /// Writes the join, scoreboard and drift state to the state store, if there is one.
    private func saveState() {
        guard let stateStore else { return }
        let snapshot = state.withLock { FeedbackSnapshot(join: $0.join.snapshot, scoreboard: $0.scoreboard, drift: $0.drift) }
        do {
            try stateStore.save(Self.snapshotName, data: try JSONEncoder().encode(snapshot), ts: Date().timeIntervalSince1970)
            sinceSaved.store(0, ordering: .relaxed)
        } catch {
            logger.error("Feedback state not saved", metadata: ["flywheel.error": "\(error)"])
        }
    }

    private func handle(_ batch: [KafkaConsumerMessage]) async throws {
        let now = clock.now
        var outgoing: [KafkaOutgoingMessage] = []
        // Decode first, then update the join under one lock for the whole batch.
        var events: [Incoming] = []
        events.reserveCapacity(batch.count)
        for message in batch {
            do throws(EventDecodingError) {
                if message.topic == configuration.labelsTopic {
                    events.append(.label(try EventDecoding.decode(LabelEvent.self, from: message.value)))
                } else {
                    events.append(.prediction(try EventDecoding.decode(PredictionEvent.self, from: message.value)))
                }
            } catch {
                outgoing.append(BatchOutput.deadLetter(
                    for: message, reason: error.reason, topic: configuration.deadLetterTopic,
                    ts: Date().timeIntervalSince1970))
            }
        }
        let wallClock = Date().timeIntervalSince1970
        let (examples, reports): ([JoinedExample], [DriftReport]) = state.withLock { state in
            var examples: [JoinedExample] = []
            var reports: [DriftReport] = []
            for event in events {
                let example: JoinedExample? = switch event {
                case .prediction(let prediction): state.join.receive(prediction, at: now)
                case .label(let label): state.join.receive(label, at: now)
                }
                if let example {
                    state.scoreboard.record(example)
                    for var report in state.drift.record(example, now: wallClock) {
                        if !report.features.isEmpty {
                            // Label coverage so far: predictions joined with a label, of those joined or given up on.
                            let counters = state.join.counters
                            let settled = counters.joined + counters.unlabeledPredictions
                            report.metrics["labelCoverage"] = settled > 0 ? Double(counters.joined) / Double(settled) : 1
                            report.metrics["orphanedLabels"] = Double(counters.orphanedLabels)
                        }
                        reports.append(report)
                    }
                    examples.append(example)
                }
            }
            state.join.expire(at: now)
            return (examples, reports)
        }
        for example in examples {
            outgoing.append(KafkaOutgoingMessage(
                topic: configuration.examplesTopic, key: Array(example.requestId.utf8), value: EventDecoding.encode(example)))
        }
        for report in reports {
            outgoing.append(KafkaOutgoingMessage(
                topic: configuration.driftTopic, key: Array(report.model.id.utf8), value: EventDecoding.encode(report)))
        }
        try await BatchOutput.deliverAll(outgoing, through: producer, attempts: 5, logger: logger)
        consumer.storeOffsets(for: batch)
        reportsPublished.add(reports.count, ordering: .relaxed)
        if stateStore != nil, sinceSaved.add(examples.count, ordering: .relaxed).newValue >= configuration.driftReportEvery {
            saveState()
        }
    }
}

/// A decoded event from either input topic.
private enum Incoming {
    case prediction(PredictionEvent)
    case label(LabelEvent)
}

/// Everything the feedback role keeps across restarts.
struct FeedbackSnapshot: Codable, Sendable {
    var join: JoinSnapshot
    var scoreboard: ModelScoreboard
    var drift: DriftMonitor
}
