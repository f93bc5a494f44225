import CoreMetrics
import FlywheelEvents
import Foundation
import ModelRegistry
import OnlineLearning

// MARK: - FeedbackRole

/// The feedback role's core: joins predictions with their labels (``JoinState``), scores every model on each joined
/// request (``ModelScoreboard``), watches for drift (``DriftMonitor``), and publishes each
/// ``FlywheelEvents/JoinedExample`` and each drift report.
///
/// - Important: the join's state lives in Kafka. The positions the role commits are, for each input partition, its
///   oldest record still waiting for its other half (``JoinWatermarks``), so after `kill -9` — or when the partition
///   moves to another member of the group — every waiting prediction and label is read again and the join is
///   rebuilt; no label is lost. Requests joined after those positions may be joined and published a second time;
///   the trainer and the promoter apply each request id once. With a ``ModelRegistry/StateStore`` the metrics and
///   drift detectors (not effects, and per process) are saved every ``Configuration/saveEvery`` records and when the
///   role stops, and restored at start.
public struct FeedbackRole<Instant: InstantProtocol<Duration> & Sendable>: StreamRole {
    /// The window, metrics and drift settings.
    public struct Configuration: Sendable {
        /// How long a prediction waits for its label, and a label for its prediction. Default: 10 minutes.
        public var window: Duration = .seconds(600)
        /// How many recent examples each model's windowed accuracy covers. Default: 1,000.
        public var metricsWindow = 1000
        /// Examples between regular drift reports of a model (alarms are reported at once). Default: 5,000.
        public var driftReportEvery = LoopDefaults.driftReportEvery
        /// Also end a drift window after this long, if it comes before `driftReportEvery` examples (nil: never).
        public var driftReportInterval: Duration?
        /// The requests' feature schema, for feature, prediction and label drift (nil: error streams only).
        public var featureSchema: FeatureSchema?
        /// Which requests form the frozen feature reference (after a warm-up) and the test's level.
        public var featureDrift = DriftMonitor.loopFeatureConfiguration
        /// Records (predictions and labels) handled between saves of the metrics and drift detectors, with a state
        /// store. Default: `driftReportEvery`, and at least 50,000 — a save encodes every detector's state (at the
        /// old default of 5,000 records, 3% of the demo's CPU) and these are metrics: a `kill -9` loses at most this
        /// many records' worth of them, never an effect.
        public var saveEvery: Int?
        /// The task's number of classes, so a label outside them is refused (dead-lettered) instead of scored as some
        /// class; nil for regression (any finite label). Default: 2 (binary).
        public var labelClasses: Int? = 2
        /// How many labels may wait for their predictions before the role stops reading labels from the partitions
        /// where most wait (until half as many wait in all): labels read far ahead of their predictions — the
        /// feedback role behind on predictions, which are ~8 times larger, so a fetch brings ~8 times as many labels
        /// — would otherwise all be held in memory (100 MB and growing in a 1M-request soak). Default: 100,000
        /// (~15 MB).
        public var maximumWaitingLabels = 100_000
        /// The label guard's settings (``OnlineLearning/LabelGuard``), or nil for no guard. Classifiers only.
        /// Default: the guard's defaults.
        public var labelGuard: LabelGuard.Configuration? = LabelGuard.Configuration()
        /// Predictions read on a label's partition after the label, past which a label still waiting for its prediction
        /// counts, for the label guard, as naming an unknown request. Default: 10,000 (40 s per partition at 1,000
        /// requests/s over 4 partitions): larger than any lag of the predictions topic behind the labels topic the
        /// role should tolerate.
        public var labelMatchHorizon = 10_000
        /// Where each joined request's label delay (label time minus request time, in the events' wall-clock
        /// seconds; 0 if the label is stamped earlier) is recorded: a swift-metrics timer, which `flywheel serve
        /// --http` exports as a Prometheus histogram. Default: nil, not recorded.
        public var labelDelay: CoreMetrics.Timer?

        /// The defaults above.
        public init() {}
    }

    /// The join.
    public private(set) var join: JoinState<Instant>
    /// Every model's prequential metrics.
    public private(set) var scoreboard: ModelScoreboard
    /// The drift detectors and feature reference.
    public private(set) var drift: DriftMonitor
    /// Drift reports published so far.
    public private(set) var reportsPublished = 0
    /// Records handled so far, and when the state was last saved (with a store).
    public private(set) var recordsHandled = 0, recordsSaved = 0
    private let store: StateStore?
    private let saveEvery: Int
    private let labelClasses: Int?
    private var sinceSaved = 0
    private var watermarks = JoinWatermarks()
    private let maximumWaitingLabels: Int
    private let labelDelay: CoreMetrics.Timer?
    /// The labels partitions the role holds back now (too many labels wait for their predictions).
    public private(set) var heldLabelPartitions: Set<Int32> = []
    /// Whether the role holds any labels partition back now.
    public var holdingLabels: Bool { !heldLabelPartitions.isEmpty }
    /// How often the role has started holding labels back.
    public private(set) var labelHolds = 0
    /// Per classifier: how often its answers were right at each confidence, from the labels joined so far — the
    /// calibration of the in-flight accuracy estimate (``inFlightEstimate()``). Not saved: a restarted role
    /// calibrates again from the labels that arrive.
    public private(set) var calibrators: [String: ConfidenceCalibrator] = [:]
    /// The label guard (classifiers with a guard configured): while it suspects the labels, joined examples are held
    /// back from the examples topic (sent to the dead-letter topic with the reason), so nothing learns from them.
    public internal(set) var labelGuard: LabelGuard?
    /// Joined examples held back by the label guard so far.
    public internal(set) var labelsHeldBack = 0
    /// Which labels found their predictions (for the guard's unknown-id rule; nil without a guard).
    var labelMatches: LabelMatchWatch?
    /// An operator's order to trust the labels again, carried out with the next joined example (who gave it).
    var trustOrdered: String?
    /// The model that served the latest prediction read: the model the guard's label-rate reports name.
    var servingModel: ModelReference?

    /// The name the state is saved under in the store.
    static var snapshotName: String { "feedback" }

    /// The counters read often from outside the role (see ``StreamRole/progress``).
    public struct Progress: Sendable {
        /// The join's counters.
        public var counters: JoinState<Instant>.Counters
        /// Joined examples the label guard has held back from learning so far.
        public var labelsHeldBack: Int
        /// Drift reports published so far.
        public var reportsPublished: Int
        /// Requests learned as joined from the examples topic when partitions were assigned to this process.
        public var restoredJoins: Int
    }

    /// The counters read often from outside the role, now.
    public var progress: Progress {
        Progress(
            counters: join.counters, labelsHeldBack: labelsHeldBack, reportsPublished: reportsPublished,
            restoredJoins: restoredJoins)
    }

    /// Makes the core; with a `store`, its metrics and drift detectors start from those saved there. The join
    /// starts empty: its waiting records are read again from Kafka (the committed positions are the oldest waiting).
    /// - Throws: ``ModelRegistry/RegistryError`` when the store cannot be read; a saved state that no longer decodes
    ///   (an older format) is skipped and the role starts afresh.
    public init(configuration: Configuration, store: StateStore? = nil, at now: Instant) throws(RegistryError) {
        join = JoinState(window: configuration.window)
        scoreboard = ModelScoreboard(window: configuration.metricsWindow)
        drift = DriftMonitor(
            reportEvery: configuration.driftReportEvery,
            reportInterval: configuration.driftReportInterval.map { $0 / .seconds(1) },
            schema: configuration.featureSchema, features: configuration.featureDrift)
        self.store = store
        saveEvery = configuration.saveEvery ?? max(configuration.driftReportEvery, 50_000)
        labelClasses = configuration.labelClasses
        precondition(configuration.maximumWaitingLabels > 0, "maximumWaitingLabels must be positive.")
        maximumWaitingLabels = configuration.maximumWaitingLabels
        labelDelay = configuration.labelDelay
        labelGuard = configuration.labelClasses == nil ? nil : configuration.labelGuard.map { LabelGuard(configuration: $0) }
        labelMatches = labelGuard == nil ? nil : LabelMatchWatch(horizon: configuration.labelMatchHorizon)
        if let data = try store?.load(Self.snapshotName),
            let saved = try? JSONDecoder().decode(FeedbackSnapshot.self, from: data)
        {
            scoreboard = saved.scoreboard
            drift = saved.drift
        }
    }

    /// Notes requests whose examples are on the examples topic already (``JoinedRequests``), so reading their
    /// predictions or labels again joins nothing.
    public mutating func rememberJoined(_ ids: Set<String>, at time: BatchTime<Instant>) {
        for id in ids { join.markJoined(id, at: time.instant) }
        restoredJoins += ids.count
    }

    /// Requests learned as joined from the examples topic when partitions were assigned here.
    public private(set) var restoredJoins = 0

    /// A prediction or a label, told apart by topic.
    public static func decode(topic: String, value: [UInt8], topics: LoopTopics) throws(EventDecodingError) -> Incoming {
        topic == topics.labels
            ? .label(try EventDecoding.decode(LabelEvent.self, from: value))
            : .prediction(try EventDecoding.decode(PredictionEvent.self, from: value))
    }

    /// The serving model's estimated accuracy on the predictions waiting for their labels now: each one's confidence
    /// in its answer, calibrated by the model that served it on the labels joined so far (nil when none waits or the
    /// models are regressors). It lags what the labels have not shown yet: a concept change that leaves the inputs
    /// and the confidences as they were is invisible to it until its labels arrive (docs/learning.md).
    public func inFlightEstimate() -> AccuracyEstimate? {
        var estimate = AccuracyEstimate()
        for prediction in join.waitingPredictions {
            guard let probabilities = prediction.champion.probabilities else { return nil }
            let calibrator = calibrators[prediction.champion.model.id] ?? ConfidenceCalibrator()
            estimate.add(chance: calibrator.calibrated(ConfidenceCalibrator.confidence(probabilities: probabilities)))
        }
        return estimate.count > 0 ? estimate : nil
    }

    /// One classifier's answer to a joined example: its confidence in the class it served, and whether the label
    /// agrees. Computed once per example for the label guard and the calibrators.
    struct ScoredAnswer {
        var model: String
        var confidence: Double
        var correct: Bool
    }

    /// Every classifier's answer to `example` (none for regressors).
    func scoredAnswers(_ example: JoinedExample) -> [ScoredAnswer] {
        guard labelClasses != nil else { return [] }
        return example.outputs.compactMap { output in
            guard let probabilities = output.probabilities, let served = output.servedClass else { return nil }
            return ScoredAnswer(
                model: output.model.id, confidence: ConfidenceCalibrator.confidence(probabilities: probabilities),
                correct: Double(served) == example.label)
        }
    }

    /// Teaches each classifier's calibrator whether its answer to a joined example was right.
    private mutating func calibrate(with answers: [ScoredAnswer]) {
        for answer in answers {
            calibrators[answer.model, default: ConfidenceCalibrator()].record(confidence: answer.confidence, correct: answer.correct)
        }
    }

    /// Joins the batch, scores and watches every example joined, then drops what waited too long.
    public mutating func handle(_ batch: [Consumed<Incoming>], at time: BatchTime<Instant>) -> [Publication] {
        var publications: [Publication] = []
        recordsHandled += batch.count
        sinceSaved += batch.count
        for (index, consumed) in batch.enumerated() {
            let example: JoinedExample?
            switch consumed.input {
            case .prediction(let prediction):
                example = join.receive(prediction, at: time.instant)
                servingModel = prediction.champion.model
                if var watch = labelMatches {
                    labelMatches = nil  // the only reference while it changes: its queues are updated in place
                    let resolved = watch.predictionRead(partition: consumed.partition) { join.isWaiting(labelFor: $0) }
                    labelMatches = watch
                    for matched in resolved {
                        publications += noteLabelMatch(matched, model: prediction.champion.model, at: time.wallClock)
                    }
                }
                watermarks.handled(
                    topic: consumed.topic, partition: consumed.partition, offset: consumed.offset,
                    waiting: join.isWaiting(predictionFor: prediction.requestId) ? (prediction.requestId, .prediction) : nil)
            case .label(let label):
                if let classes = labelClasses, !(label.label >= 0 && label.label < Double(classes) && label.label.rounded() == label.label) {
                    publications.append(.refusal(input: index, reason: "LabelEvent field 'label' is not one of the task's \(classes) class ids"))
                    watermarks.handled(topic: consumed.topic, partition: consumed.partition, offset: consumed.offset, waiting: nil)
                    continue
                }
                example = join.receive(label, partition: consumed.partition, at: time.instant)
                let waits = join.isWaiting(labelFor: label.id)
                if let joined = example {
                    publications += noteLabelMatch(true, model: joined.champion.model, at: time.wallClock)
                } else if waits {
                    labelMatches?.labelWaiting(label.id, partition: consumed.partition)
                }
                watermarks.handled(
                    topic: consumed.topic, partition: consumed.partition, offset: consumed.offset,
                    waiting: waits ? (label.id, .label) : nil)
            }
            guard let example else { continue }
            publications += noteCoverage(labelled: 1, model: example.champion.model, at: time.wallClock)
            labelDelay?.recordNanoseconds(Int64((max(0, example.labelTs - example.requestTs) * 1e9).rounded()))
            let answers = scoredAnswers(example)
            let (trusted, guardReports) = guardLabels(example, answers: answers, from: consumed, at: time.wallClock)
            publications += guardReports
            guard trusted else { continue }
            scoreboard.record(example)
            calibrate(with: answers)
            for var report in drift.record(example, now: time.wallClock) {
                if !report.features.isEmpty {
                    // Label coverage so far: predictions joined with a label, of those joined or given up on.
                    let counters = join.counters
                    let settled = counters.joined + counters.unlabeledPredictions
                    report[.labelCoverage] = settled > 0 ? Double(counters.joined) / Double(settled) : 1
                    report[.orphanedLabels] = Double(counters.orphanedLabels)
                    if let estimate = inFlightEstimate() {
                        report[.estimatedAccuracy] = estimate.estimated
                        report[.inFlight] = Double(estimate.count)
                    }
                }
                publications.append(.drift(report))
                reportsPublished += 1
            }
            publications.append(.example(example))
        }
        let unlabeledBefore = join.counters.unlabeledPredictions
        join.expire(at: time.instant)
        if let model = servingModel {
            publications += noteCoverage(unlabelled: join.counters.unlabeledPredictions - unlabeledBefore, model: model, at: time.wallClock)
        }
        holdLabelsBack()
        return publications
    }

    /// Past ``Configuration/maximumWaitingLabels`` waiting labels, holds back every labels partition where at least
    /// the average number per partition waits (where labels are furthest ahead of their predictions; partitions
    /// whose labels are behind keep flowing), adding partitions as they pass the average, until half as many wait.
    private mutating func holdLabelsBack() {
        let waiting = join.pending.labels
        if waiting <= maximumWaitingLabels / 2 {
            heldLabelPartitions = []
        } else if waiting >= maximumWaitingLabels {
            let byPartition = join.waitingLabelsByPartition
            let average = waiting / max(byPartition.count, 1)
            if heldLabelPartitions.isEmpty { labelHolds += 1 }
            heldLabelPartitions.formUnion(byPartition.filter { $0.value >= average }.keys)
        }
    }

    /// The labels partitions held back (``heldLabelPartitions``); predictions are always read, so the waiting labels
    /// join and the hold ends.
    public func pausedInputs(topics: LoopTopics) -> Set<InputPartition> {
        Set(heldLabelPartitions.map { InputPartition(topic: topics.labels, partition: $0) })
    }

    /// Commits, for each input partition, the oldest record still waiting (or the next one); saves the metrics and
    /// drift detectors every ``Configuration/saveEvery`` records.
    public mutating func batchDelivered(at time: BatchTime<Instant>) throws -> OffsetRelease {
        if store != nil, sinceSaved >= saveEvery { try save(at: time) }
        return .positions(committablePositions())
    }

    /// The positions to commit now (what ``batchDelivered(at:)`` returns, without a save).
    public mutating func committablePositions() -> [InputPosition] {
        let join = self.join
        return watermarks.positions { id, side in
            side == .prediction ? join.isWaiting(predictionFor: id) : join.isWaiting(labelFor: id)
        }
    }

    /// Saves the state.
    public mutating func stopping(at time: BatchTime<Instant>) throws { try save(at: time) }

    /// The state, as saved.
    var snapshot: FeedbackSnapshot { FeedbackSnapshot(scoreboard: scoreboard, drift: drift) }

    private mutating func save(at time: BatchTime<Instant>) throws {
        guard let store else { return }
        try store.save(Self.snapshotName, data: try JSONEncoder().encode(snapshot), ts: time.wallClock)
        sinceSaved = 0
        recordsSaved = recordsHandled
    }
}

// MARK: - Incoming

/// A decoded event from either of the feedback role's input topics.
public enum Incoming: Sendable {
    /// A prediction, waiting for its label.
    case prediction(PredictionEvent)
    /// A label, waiting for its prediction.
    case label(LabelEvent)
}

// MARK: - FeedbackSnapshot

/// What the feedback role keeps in its state store across restarts (the join is rebuilt from Kafka).
struct FeedbackSnapshot: Codable, Sendable {
    var scoreboard: ModelScoreboard
    var drift: DriftMonitor
}
