import FeatureValues
import FlywheelEvents
import Foundation
import OnlineLearning

// MARK: - ModelTrainer

/// Trains models on joined examples and says when a new version is due: a plain value, so the trainer service and
/// the tests drive it the same way. It trains every model it is given — the champion's own line as well as the
/// shadows (Flywheel's champion keeps learning; promotion decides whose answers are served).
///
/// Each model learns every example (its pipeline first, then its model, as in ``OnlineLearning/PrequentialEvaluation``)
/// and, every ``publishEvery`` examples, yields a ``FlywheelEvents/ModelEvent`` of kind `version` carrying its
/// weights as a base64 ``OnlineLearning/ModelBlob``, with its version number raised by one. A large model publishes
/// less often (``publishInterval(of:every:)``), so its versions do not flood the models topic and the registry.
public struct ModelTrainer: Sendable {
    /// How many examples between published versions of a model.
    public let publishEvery: Int
    /// The models being trained, each with the version it published last.
    public private(set) var models: [ServedModel]
    private var examplesSincePublished: [Int]
    /// Each model's ``publishInterval(of:every:)``, fixed by its size (a restart keeps the size).
    private var publishIntervals: [Int]
    /// Whether a young model publishes sooner than its interval (``youngInterval(learned:regular:)``).
    public let publishesYoungModelsSooner: Bool

    /// The model that starts over from nothing when a detector flags a drift on the champion, if any.
    public let restartsOnChampionDrift: String?
    /// The model serving now, as the latest promotion or rollback on the models topic says (nil: not known). It is
    /// never restarted: a drift report about the champion it replaced — labels of requests served before the
    /// change — can arrive after the decision, and restarting the new champion would serve a blank model.
    public var champion: String?
    /// How many versions each model may publish between two saves of the trainer's state (``stateSaved()``), or nil
    /// for no limit. A model past it keeps learning and publishes after the next save. With it, a trainer restarted
    /// from its last save numbers its next versions past every version it can have published since (``TrainerRole``).
    public var publishBudget: Int?
    /// Versions each model published since the last ``stateSaved()``.
    public private(set) var publishedSinceSave: [Int]
    /// The model restarted last, as it would be without the restart — it keeps learning beside the restarted one for
    /// ``reinstateWindow`` examples — in case the promotion of that very model was on its way when the drift report
    /// came (``championChanged(to:ts:)``). Not saved: a trainer restarted inside the window keeps the restart.
    private var beforeRestart: (index: Int, model: ServedModel, learned: Int)?
    /// How many examples after a restart its model can still be reinstated.
    public static let reinstateWindow = 1000
    /// The evidence reason of a version that undoes a restart (``championChanged(to:ts:)``).
    public static let reinstatedReason = "promoted while its restart was on its way: the restart undone"

    /// Starts training `models`; `restartsOnChampionDrift` names the shadow to restart on a champion drift alarm;
    /// with `publishesYoungModelsSooner` a model that has learned few examples publishes more often than
    /// `publishEvery` (``youngInterval(learned:regular:)``).
    public init(
        models: [ServedModel], publishEvery: Int, restartsOnChampionDrift: String? = nil, publishesYoungModelsSooner: Bool = false
    ) {
        precondition(publishEvery > 0, "publishEvery must be positive, not \(publishEvery).")
        self.models = models
        self.publishEvery = publishEvery
        self.publishesYoungModelsSooner = publishesYoungModelsSooner
        self.restartsOnChampionDrift = restartsOnChampionDrift
        self.examplesSincePublished = Array(repeating: 0, count: models.count)
        self.publishedSinceSave = Array(repeating: 0, count: models.count)
        self.publishIntervals = models.map { Self.publishInterval(of: $0.learner, every: publishEvery) }
    }

    /// Puts saved models in place of the ones given (the same ids, in the same order), keeping every setting; the
    /// counts since the last version and the last save start over.
    public mutating func restore(_ saved: [ServedModel]) {
        precondition(saved.map(\.reference.id) == models.map(\.reference.id), "restore the same models, in order")
        models = saved
        publishIntervals = saved.map { Self.publishInterval(of: $0.learner, every: publishEvery) }
        examplesSincePublished = Array(repeating: 0, count: saved.count)
        publishedSinceSave = Array(repeating: 0, count: saved.count)
    }

    /// Notes that the trainer's state was saved: every model's budget is whole again.
    public mutating func stateSaved() {
        publishedSinceSave = Array(repeating: 0, count: models.count)
    }

    /// Whether model `index` may publish a version now (within ``publishBudget``); counts it when it may.
    private mutating func mayPublish(_ index: Int) -> Bool {
        if let budget = publishBudget, publishedSinceSave[index] >= budget { return false }
        publishedSinceSave[index] += 1
        return true
    }

    /// Raises every model's version number by `gap` (a restart from a save: versions up to the save's number plus its
    /// budget may exist already).
    public mutating func skipVersions(_ gap: Int) {
        for index in models.indices { models[index].reference.version += gap }
    }

    /// How many examples between `learner`'s versions: `base`, or one per 64 of its parameters when that is more, so
    /// the models topic and the registry carry at most ~64 parameters per example and model. Every linear model and a
    /// perceptron of up to 16,000 parameters publish every `base` examples (250 by default); agrawal's perceptron
    /// (17,000 parameters; a published version ~70 KB, ~210 KB with the Adam state it leaves out) every 265, `mlp-wide`
    /// there (~35,000) every ~550. With `--publish-every 50` small models publish five times as often (a served version
    /// ~25 examples older than its training instead of ~125: +0.15–0.25 points on streams that drift gradually) while
    /// large ones keep their cadence (docs/benchmarks.md). (It was one `base` per 4,000 parameters until the agrawal
    /// perceptron served answers up to 1,000 examples older than its training.)
    public static func publishInterval(of learner: OnlineLearner, every base: Int) -> Int {
        max(base, learner.parameterCount / 64)
    }

    /// The fewest examples between two versions of a young model: 10, or `publishEvery` when that is fewer.
    public var shortestInterval: Int { publishesYoungModelsSooner ? min(Self.youngestInterval, publishEvery) : publishEvery }

    /// The fewest examples between two versions of a young model (unless `publishEvery` is fewer).
    public static let youngestInterval = 10
    /// A young model's versions are at most this share of its training apart (one eighth).
    public static let youngShare = 8

    /// How many examples between versions of a model that has learned `learned` examples and publishes every
    /// `regular` once grown: an eighth of what it has learned, at least ``youngestInterval``, at most `regular`.
    ///
    /// A model learns fastest while it is young — from nothing at the start, or after a restart on drift — and a
    /// served version is behind its training by half an interval on average: with a fixed 250, the first thousands
    /// of requests are answered by models a sizeable share less trained than they are (on a 10-feature hyperplane at
    /// label delay 1000, half of what 250 more requests of delay cost over 50,000 is lost in the first 3,000). At 1/8
    /// a version is never more
    /// than ~12% of its training behind; the ramp from 10 to 250 costs ~30 more versions per model, once.
    public static func youngInterval(learned: Int, regular: Int) -> Int {
        min(regular, max(min(youngestInterval, regular), learned / youngShare))
    }

    /// Whether model `index`, `since` examples after its last version, is due to publish.
    private func isDue(_ index: Int, since: Int) -> Bool {
        let regular = publishIntervals[index]
        if since >= regular { return true }
        guard publishesYoungModelsSooner, since >= min(Self.youngestInterval, regular),
            let learned = models[index].pipeline.examplesLearned
        else { return false }
        return since >= Self.youngInterval(learned: learned, regular: regular)
    }

    /// A shadow that starts from the champion's weights and statistics (fine-tuning), optionally learning at another
    /// rate from here on.
    public static func fineTuned(
        from champion: ServedModel, id: String, learningRate: Double? = nil, decayPower: Double = 0
    ) -> ServedModel {
        let learner = learningRate.map { champion.learner.withLearningRate($0, decayPower: decayPower) } ?? champion.learner
        return ServedModel(reference: ModelReference(id: id, version: 1), pipeline: champion.pipeline, learner: learner)
    }

    /// A shadow of the champion's family that starts from nothing, on the champion's feature schema.
    public static func fresh(
        like champion: ServedModel, id: String, learningRate: Double = 0.01, decayPower: Double = 0
    ) throws -> ServedModel {
        let pipeline = try FeaturePipeline(schema: champion.pipeline.schema)
        return ServedModel(
            reference: ModelReference(id: id, version: 1), pipeline: pipeline,
            learner: champion.learner.untrained(dimension: pipeline.dimension, learningRate: learningRate, decayPower: decayPower))
    }

    /// Acts on a drift report: when a detector flagged a drift on the champion and its error rose (`errorChange` > 0;
    /// a falling error, as while models learn, is no reason to start over), the model named by
    /// ``restartsOnChampionDrift`` (unless it is the model the report is about or the current ``champion``) starts
    /// over from nothing — fresh statistics and
    /// weights, the same learning settings — and its next version is published at once with the alarm as evidence.
    /// - Returns: that version event, or nothing when the report calls for no action.
    public mutating func handle(_ report: DriftReport, ts: Double) -> ModelEvent? {
        guard report.champion == true, let errorChange = report.worseningAlarm,
            let id = restartsOnChampionDrift, id != report.model.id, id != champion,
            let index = models.firstIndex(where: { $0.reference.id == id }),
            let pipeline = try? FeaturePipeline(schema: models[index].pipeline.schema)
        else { return nil }
        let settings = models[index].learner
        beforeRestart = (index, models[index], 0)
        models[index].pipeline = pipeline
        models[index].learner = settings.untrained(dimension: pipeline.dimension)
        let detector = report.detectors.first { $0.state == .drift }?.name ?? "detector"
        return publishNow(index, ts: ts, evidence: [
            EvidenceKey.reason: .text(ModelEvent.restartReason), "detector": .text(detector),
            "champion": .text("\(report.model.id) v\(report.model.version)"), "alarmTs": .number(report.ts),
            "windowExamples": .number(Double(report.window.examples)),
            "errorChange": .number(errorChange),
        ])
    }

    /// Publishes model `index` now, out of its cadence (a restart, or a restart undone) — or, out of budget (rare:
    /// between two saves), right after the next save.
    private mutating func publishNow(_ index: Int, ts: Double, evidence: [String: EvidenceValue]) -> ModelEvent? {
        guard mayPublish(index) else {
            examplesSincePublished[index] = publishIntervals[index]
            return nil
        }
        return nextVersion(index, ts: ts, evidence: evidence)
    }

    /// Model `index`'s next version, as a `version` event carrying its serving blob; its cadence starts over.
    private mutating func nextVersion(_ index: Int, ts: Double, evidence: [String: EvidenceValue]? = nil) -> ModelEvent {
        examplesSincePublished[index] = 0
        models[index].reference.version += 1
        let blob = ModelBlob.encode(pipeline: models[index].pipeline, learner: models[index].learner, forServing: true)
        return ModelEvent(
            kind: .version, ts: ts, model: models[index].reference, weights: Data(blob).base64EncodedString(), evidence: evidence)
    }

    /// Notes a promotion or rollback: `id` is ``champion`` from now on. If `id` is the model restarted last, fewer
    /// than ``reinstateWindow`` examples ago, the restart is undone — the promotion was decided on what the model had
    /// learned, and its drift report (about the champion it replaced: two topics, no order between them) only reached
    /// the trainer first; serving a blank model instead would throw that away — and the model as it would be without
    /// the restart (it kept learning meanwhile) is published as its next version.
    /// - Returns: that version event, or nothing.
    public mutating func championChanged(to id: String, ts: Double) -> ModelEvent? {
        champion = id
        guard let stashed = beforeRestart, models[stashed.index].reference.id == id else { return nil }
        beforeRestart = nil
        let index = stashed.index
        models[index].pipeline = stashed.model.pipeline
        models[index].learner = stashed.model.learner
        return publishNow(index, ts: ts, evidence: [
            EvidenceKey.reason: .text(Self.reinstatedReason), "examplesSinceRestart": .number(Double(stashed.learned)),
        ])
    }

    /// Learns one joined example (its features as scored and its label).
    /// - Returns: a `version` event for every model that reached ``publishEvery`` examples.
    public mutating func learn(_ example: JoinedExample, ts: Double) -> [ModelEvent] {
        learn(features: example.features, label: example.label, ts: ts)
    }

    /// Learns one example.
    /// - Parameters:
    ///   - features: the features as scored.
    ///   - label: the label.
    ///   - ts: the time to stamp on model events.
    /// - Returns: a `version` event for every model that reached ``publishEvery`` examples.
    public mutating func learn(features: FeatureMap, label: Double, ts: Double) -> [ModelEvent] {
        var events: [ModelEvent] = []
        if var stashed = beforeRestart {
            beforeRestart = nil  // the only reference while it learns, so its weights are updated in place
            if stashed.learned < Self.reinstateWindow {
                stashed.model.learn(features, label: label)
                stashed.learned += 1
                beforeRestart = stashed
            }
        }
        // The request's values in schema order, looked up once for every model on the first model's schema (all of
        // them, as a rule: a version on another schema reads the dictionary itself).
        let schema = models.first?.pipeline.schema
        let ordered = schema?.ordered(features) ?? []
        for index in models.indices {
            if models[index].pipeline.schema == schema {
                models[index].learn(ordered: ordered, label: label)
            } else {
                models[index].learn(features, label: label)
            }
            examplesSincePublished[index] += 1
            if isDue(index, since: examplesSincePublished[index]), mayPublish(index) {
                events.append(nextVersion(index, ts: ts))
            }
        }
        return events
    }
}

extension ServedModel {
    /// Learns one example: the pipeline's statistics first, then the model on the vector they give (the order of
    /// ``OnlineLearning/PrequentialEvaluation``).
    fileprivate mutating func learn(_ features: FeatureMap, label: Double) {
        pipeline.learn(features)
        learner.learn(pipeline.transform(features).vector, target: label)
    }

    /// Learns one example given as its values in the pipeline's schema order (``OnlineLearning/FeatureSchema/ordered(_:)``),
    /// in the same order as ``learn(_:label:)``.
    fileprivate mutating func learn(ordered values: [FeatureValue], label: Double) {
        pipeline.learn(ordered: values)
        learner.learn(pipeline.vector(ordered: values), target: label)
    }
}
