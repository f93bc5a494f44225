import FlywheelEvents
import Foundation
import OnlineLearning

// MARK: - ShadowTrainer

/// Trains the shadow models on joined examples and says when a new version is due: a plain value, so the trainer
/// service and the tests drive it the same way.
///
/// Each shadow learns every example (its pipeline first, then its model, as in ``OnlineLearning/PrequentialEvaluation``)
/// and, every ``publishEvery`` examples, yields a ``FlywheelEvents/ModelEvent`` of kind `version` carrying its
/// weights as a base64 ``OnlineLearning/ModelBlob``, with its version number raised by one.
public struct ShadowTrainer: Sendable {
    /// How many examples between published versions of a shadow.
    public let publishEvery: Int
    /// The shadows being trained, with the version they will publish next.
    public private(set) var shadows: [ServedModel]
    private var examplesSincePublished: [Int]

    /// Starts training `shadows`.
    public init(shadows: [ServedModel], publishEvery: Int) {
        precondition(publishEvery > 0, "publishEvery must be positive, not \(publishEvery).")
        self.shadows = shadows
        self.publishEvery = publishEvery
        self.examplesSincePublished = Array(repeating: 0, count: shadows.count)
    }

    /// A shadow that starts from the champion's weights and statistics (fine-tuning).
    public static func fineTuned(from champion: ServedModel, id: String) -> ServedModel {
        ServedModel(reference: ModelReference(id: id, version: 1), pipeline: champion.pipeline, model: champion.model)
    }

    /// A shadow that starts from nothing, on the champion's feature schema.
    public static func fresh(like champion: ServedModel, id: String) throws -> ServedModel {
        let pipeline = try FeaturePipeline(schema: champion.pipeline.schema)
        return ServedModel(
            reference: ModelReference(id: id, version: 1), pipeline: pipeline,
            model: LogisticRegression(dimension: pipeline.dimension))
    }

    /// Learns one joined example.
    /// - Parameters:
    ///   - example: the features as scored and the label.
    ///   - ts: the time to stamp on model events.
    /// - Returns: a `version` event for every shadow that reached ``publishEvery`` examples.
    public mutating func learn(_ example: JoinedExample, ts: Double) -> [ModelEvent] {
        var events: [ModelEvent] = []
        for index in shadows.indices {
            shadows[index].pipeline.learn(example.features)
            let vector = shadows[index].pipeline.transform(example.features).vector
            shadows[index].model.learn(vector, target: example.label)
            examplesSincePublished[index] += 1
            if examplesSincePublished[index] >= publishEvery {
                examplesSincePublished[index] = 0
                shadows[index].reference.version += 1
                let blob = ModelBlob.encode(pipeline: shadows[index].pipeline, model: shadows[index].model)
                events.append(ModelEvent(
                    kind: .version, ts: ts, model: shadows[index].reference, weights: Data(blob).base64EncodedString()))
            }
        }
        return events
    }
}
