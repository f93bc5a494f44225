import FeatureValues
import Foundation
import OnlineLearning
import Testing

/// Both families behind one learner type: linear regression saves and loads bit for bit, a blob of one family is
/// never loaded as the other, and a fine-tuned copy changes its rate without touching the original.
@Suite("Online learner families")
struct OnlineLearnerTests {
    static let schema = FeatureSchema(features: [.init(name: "a", kind: .numeric), .init(name: "b", kind: .numeric)], hashWidth: 1)

    static func trainedRegressor() throws -> (FeaturePipeline, OnlineLearner) {
        var pipeline = try FeaturePipeline(schema: schema)
        var learner = OnlineLearner.untrained(classifier: false, dimension: pipeline.dimension, learningRate: 0.02, decayPower: 0.25)
        for index in 0..<500 {
            let a = Double(index % 13), b = Double(index % 7)
            let features: FeatureMap = ["a": .number(a), "b": .number(b)]
            pipeline.learn(features)
            learner.learn(pipeline.transform(features).vector, target: 3 * a - 2 * b + 1)
        }
        return (pipeline, learner)
    }

    @Test func linearRegressionRoundTripsBitForBit() throws {
        let (pipeline, learner) = try Self.trainedRegressor()
        let loaded = try ModelBlob.decodeLearner(ModelBlob.encode(pipeline: pipeline, learner: learner), expectedSchema: Self.schema)
        #expect(loaded.learner == learner && loaded.pipeline == pipeline)
        let x = pipeline.transform(["a": .number(4), "b": .number(2)]).vector
        #expect(loaded.learner.output(x).answer.bitPattern == learner.output(x).answer.bitPattern)
        #expect(learner.output(x).probabilities == nil && !learner.isClassifier)
        // It learned y = 3a − 2b + 1 well enough: 4·3 − 2·2 + 1 = 9.
        #expect(abs(learner.output(x).answer - 9) < 1)
    }

    @Test func aRegressorBlobIsNotLoadedAsAClassifier() throws {
        let (pipeline, learner) = try Self.trainedRegressor()
        let error = #expect(throws: ModelFormatError.self) { try ModelBlob.decode(ModelBlob.encode(pipeline: pipeline, learner: learner)) }
        #expect(error?.code == .unknownModel)
    }

    @Test func aFineTunedCopyIsIndependent() throws {
        let (pipeline, original) = try Self.trainedRegressor()
        var copy = original.withLearningRate(0.5)
        copy.learn(pipeline.transform(["a": .number(1), "b": .number(1)]).vector, target: 100)
        #expect(copy.weights != original.weights)
        let (_, again) = try Self.trainedRegressor()
        #expect(again == original, "the original did not move")
    }
}
