import FeatureValues
import FlywheelEvents
import OnlineLearning
import Synchronization

// MARK: - ServedModel

/// A model version ready to score: its name, its feature pipeline and its learner (a classifier or a regressor).
public struct ServedModel: Sendable, Hashable {
    /// Which model and version this is.
    public var reference: ModelReference
    /// The pipeline that turns a request into the model's vector (its statistics as of this version).
    public var pipeline: FeaturePipeline
    /// The model.
    public var learner: OnlineLearner

    /// Pairs a learner with its pipeline.
    public init(reference: ModelReference, pipeline: FeaturePipeline, learner: OnlineLearner) {
        self.reference = reference
        self.pipeline = pipeline
        self.learner = learner
    }

    /// Pairs a logistic regression with its pipeline.
    public init(reference: ModelReference, pipeline: FeaturePipeline, model: LogisticRegression) {
        self.init(reference: reference, pipeline: pipeline, learner: .logistic(model))
    }

    /// Scores one request: a class with its probabilities, or a value.
    public func output(for features: FeatureMap) -> ModelOutput {
        let (answer, probabilities) = learner.output(pipeline.transform(features).vector)
        return ModelOutput(model: reference, answer: answer, probabilities: probabilities)
    }

    /// Scores a batch at once: one matrix of the rows' vectors and one product per layer on OpenBLAS
    /// (``OnlineLearning/OnlineLearner/outputs(_:count:)``). `requests` are the rows' features, used when this
    /// model's schema is not the rows' (a version on another schema is scored request by request).
    public func outputs(for rows: SchemaRows, requests: [FeatureMap]) -> [ModelOutput] {
        guard rows.schema == pipeline.schema else { return requests.map { output(for: $0) } }
        return learner.outputs(pipeline.encode(rows), count: rows.count).map {
            ModelOutput(model: reference, answer: $0.answer, probabilities: $0.probabilities)
        }
    }
}

// MARK: - ModelSet

/// The champion and its shadows at one moment: an immutable value, swapped whole.
public struct ModelSet: Sendable, Hashable {
    /// The model whose answers are served.
    public var champion: ServedModel
    /// Challengers whose answers are recorded, never served.
    public var shadows: [ServedModel]

    /// Makes a set.
    public init(champion: ServedModel, shadows: [ServedModel] = []) {
        self.champion = champion
        self.shadows = shadows
    }
}

// MARK: - LiveModels

/// Holds the current ``ModelSet``. Readers take the whole set at once, so a batch is scored by one consistent
/// champion and shadows even while a promotion swaps the set.
public final class LiveModels: Sendable {
    private let current: Mutex<ModelSet>

    /// Starts with `initial`.
    public init(_ initial: ModelSet) { current = Mutex(initial) }

    /// The set to score with now.
    public var snapshot: ModelSet { current.withLock { $0 } }

    /// Replaces the set (a new shadow version, a promotion, a rollback).
    public func replace(with models: ModelSet) { current.withLock { $0 = models } }
}
