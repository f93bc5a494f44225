import Foundation
import Testing

@testable import OnlineLearning

/// The model blob format: round trips exactly, and every damaged blob is a clear error, never a crash or a
/// silently different model.
@Suite("Model blob")
struct ModelBlobTests {
    /// A pipeline and model trained on the first 2,000 rows of sea_abrupt, and the next 1,000 rows.
    static func trained() throws -> (FeaturePipeline, LogisticRegression, [PrequentialEvaluation.Example]) {
        let (schema, examples) = try PrequentialEvaluationTests.seaExamples()
        let pipeline = try FeaturePipeline(schema: schema)
        let result = PrequentialEvaluation(delay: 0).run(
            examples.prefix(2000), pipeline: pipeline, model: LogisticRegression(dimension: pipeline.dimension))
        return (result.pipeline, result.model, Array(examples[2000..<3000]))
    }

    @Test func roundTripGivesBitIdenticalPredictions() throws {
        let (pipeline, model, later) = try Self.trained()
        let (loadedPipeline, loadedModel) = try ModelBlob.decode(
            ModelBlob.encode(pipeline: pipeline, model: model), expectedSchema: pipeline.schema)
        #expect(loadedPipeline == pipeline)
        #expect(loadedModel == model)
        for example in later {
            let original = model.predictProbability(pipeline.transform(example.features).vector)
            let loaded = loadedModel.predictProbability(loadedPipeline.transform(example.features).vector)
            #expect(original.bitPattern == loaded.bitPattern)
        }
        // Learning goes on identically from the copy, and the original is untouched by it.
        let continued = PrequentialEvaluation(delay: 0).run(later, pipeline: pipeline, model: model)
        let continuedCopy = PrequentialEvaluation(delay: 0).run(later, pipeline: loadedPipeline, model: loadedModel)
        #expect(continued.model == continuedCopy.model)
        #expect(continued.model != model)
    }

    @Test func everyFlippedBitIsDetected() throws {
        let pipeline = try FeaturePipeline(schema: FeatureSchema(features: [.init(name: "x", kind: .numeric)], hashWidth: 2))
        var model = LogisticRegression(dimension: pipeline.dimension)
        model.learn([1, 0, 0, 1], label: 1)
        let blob = ModelBlob.encode(pipeline: pipeline, model: model)
        for index in blob.indices {
            for bit in 0..<8 {
                var damaged = blob
                damaged[index] ^= UInt8(1 << bit)
                #expect(throws: ModelFormatError.self, "byte \(index) bit \(bit)") { try ModelBlob.decode(damaged) }
            }
        }
    }

    /// Decoded schemas are kept by their saved bytes (inference decodes every version): 40 schemas whose JSON is the
    /// same length, more than are kept at once, decoded interleaved and twice, each give back their own schema.
    @Test func everySchemaDecodesAsItselfWhenDecodedAgain() throws {
        let blobs = try (0..<40).map { index in
            let name = "x" + String(index + 100)  // the same length for every schema
            let pipeline = try FeaturePipeline(schema: FeatureSchema(features: [.init(name: name, kind: .numeric)], hashWidth: 2))
            return (pipeline.schema, ModelBlob.encode(pipeline: pipeline, model: LogisticRegression(dimension: pipeline.dimension)))
        }
        for round in 0..<2 {
            for (schema, blob) in blobs.shuffled() {
                let (pipeline, _) = try ModelBlob.decode(blob, expectedSchema: schema)
                #expect(pipeline.schema == schema, "round \(round)")
            }
        }
    }

    /// A saved schema that is not JSON is refused however often it is met, also after a readable one was kept.
    @Test func anUnreadableSchemaIsRefusedEachTime() throws {
        let pipeline = try FeaturePipeline(schema: FeatureSchema(features: [.init(name: "x", kind: .numeric)], hashWidth: 2))
        let blob = ModelBlob.encode(pipeline: pipeline, model: LogisticRegression(dimension: pipeline.dimension))
        _ = try ModelBlob.decode(blob)
        // The payload opens with the schema's length (UInt32) and its JSON: turn its first byte, `{`, into `[`.
        var body = Array(blob.dropLast(8))
        let schemaStart = 4 + 2 + 2 + 8 + 4 + 4
        #expect(body[schemaStart] == UInt8(ascii: "{"))
        body[schemaStart] = UInt8(ascii: "[")
        var seal = BinaryWriter()
        seal.write(ModelBlob.checksum(body))
        for _ in 0..<2 {
            let error = #expect(throws: ModelFormatError.self) { try ModelBlob.decode(body + seal.bytes) }
            #expect(error?.reason.contains("schema does not decode") == true)
        }
    }

    @Test func everyTruncationIsDetected() throws {
        let (pipeline, model, _) = try Self.trained()
        let blob = ModelBlob.encode(pipeline: pipeline, model: model)
        for length in 0..<blob.count {
            #expect(throws: ModelFormatError.self) { try ModelBlob.decode(Array(blob.prefix(length))) }
        }
    }

    @Test func anotherSchemaIsRefused() throws {
        let (pipeline, model, _) = try Self.trained()
        var other = pipeline.schema
        other.hashWidth += 1
        let error = #expect(throws: ModelFormatError.self) {
            try ModelBlob.decode(ModelBlob.encode(pipeline: pipeline, model: model), expectedSchema: other)
        }
        #expect(error?.code == .schemaMismatch)
    }

    @Test func otherVersionsAndKindsAreNamed() throws {
        let (pipeline, model, _) = try Self.trained()
        let blob = ModelBlob.encode(pipeline: pipeline, model: model)
        // Rewrite a header field and reseal the checksum, as a newer or other writer would.
        func resealed(_ patch: (inout [UInt8]) -> Void) -> [UInt8] {
            var body = Array(blob.dropLast(8))
            patch(&body)
            var writer = BinaryWriter()
            writer.write(ModelBlob.checksum(body))
            return body + writer.bytes
        }
        let newer = #expect(throws: ModelFormatError.self) { try ModelBlob.decode(resealed { $0[4] = 5 }) }
        #expect(newer?.code == .unsupportedVersion)
        #expect(newer?.reason.contains("version 5") == true)
        // Kind 6 (k nearest neighbours) came with version 4: a version 3 blob claiming it is refused, not guessed at.
        let early = #expect(throws: ModelFormatError.self) { try ModelBlob.decode(resealed { $0[4] = 3; $0[6] = 6 }) }
        #expect(early?.code == .unknownModel)
        let older = #expect(throws: ModelFormatError.self) { try ModelBlob.decode(resealed { $0[4] = 1 }) }
        #expect(older?.code == .unsupportedVersion)
        let unknown = #expect(throws: ModelFormatError.self) { try ModelBlob.decode(resealed { $0[6] = 9 }) }
        #expect(unknown?.code == .unknownModel)
    }

    /// Version 2 (before optimizers) is still read: the same model without the optimizer section (rule code, three
    /// settings, two empty accumulator arrays, L1, L2: 49 bytes at the payload's end) loads as plain SGD.
    @Test func versionTwoBlobsStillLoad() throws {
        let (pipeline, model, _) = try Self.trained()
        var body = Array(ModelBlob.encode(pipeline: pipeline, model: model).dropLast(8))
        body.removeLast(49)
        body[4] = 2
        let lengthOffset = 4 + 2 + 2 + 8
        let length = body[lengthOffset..<lengthOffset + 4].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
        withUnsafeBytes(of: (length - 49).littleEndian) { body.replaceSubrange(lengthOffset..<lengthOffset + 4, with: $0) }
        var writer = BinaryWriter()
        writer.write(ModelBlob.checksum(body))
        let loaded = try ModelBlob.decode(body + writer.bytes)
        #expect(loaded.model == model && loaded.model.optimizer == .sgd)
    }

    /// Optimizer state and the perceptron's waiting batch survive a round trip, so training continues exactly.
    @Test func optimizerStateAndWaitingBatchRoundTrip() throws {
        let pipeline = try FeaturePipeline(schema: FeatureSchema(features: [.init(name: "x", kind: .numeric)], hashWidth: 2))
        var adam = LogisticRegression(dimension: pipeline.dimension, optimizer: .adamDefault, l1: 0.001, l2: 0.01)
        var perceptron = MultilayerPerceptron(task: .regression, inputs: pipeline.dimension, hidden: [5, 3], batchSize: 4)
        var multiclass = MultilayerPerceptron(task: .multiclass, inputs: pipeline.dimension, hidden: [5], classes: 4, batchSize: 4)
        for i in 0..<23 {
            adam.learn([Float(i % 3), 1, 0, 1], target: Double(i % 2))
            perceptron.learn([Float(i % 3), 1, 0, 1], target: Double(i))
            multiclass.learn([Float(i % 3), 1, 0, 1], target: Double(i % 4))
        }
        for learner in [OnlineLearner.logistic(adam), .mlp(perceptron), .mlp(multiclass)] {
            var restored = try ModelBlob.decodeLearner(ModelBlob.encode(pipeline: pipeline, learner: learner)).learner
            #expect(restored == learner)
            var original = learner
            for i in 0..<9 {
                original.learn([1, Float(i), 1, 0], target: 1)
                restored.learn([1, Float(i), 1, 0], target: 1)
            }
            #expect(restored == original, "training continues identically after a reload")
        }
        #expect(multiclass.classCount == 4 && OnlineLearner.mlp(multiclass).output([1, 1, 0, 1]).probabilities?.count == 4)
        // A perceptron whose saved shapes do not fit the pipeline it comes with is refused.
        let wrong = MultilayerPerceptron(task: .binary, inputs: pipeline.dimension + 1, hidden: [2])
        let error = #expect(throws: ModelFormatError.self) {
            try ModelBlob.decodeLearner(ModelBlob.encode(pipeline: pipeline, learner: .mlp(wrong)))
        }
        #expect(error?.code == .invalidValue)
    }

    /// A serving blob leaves the optimizers' accumulators and the waiting minibatch out: a perceptron with Adam
    /// shrinks to about a third, every prediction is bit for bit the full blob's, and training goes on from it
    /// (with the accumulators starting afresh).
    @Test func servingBlobsScoreTheSameAndAreSmaller() throws {
        let pipeline = try FeaturePipeline(schema: FeatureSchema(features: [.init(name: "x", kind: .numeric)], hashWidth: 2))
        var adam = LogisticRegression(dimension: pipeline.dimension, optimizer: .adamDefault)
        var perceptron = MultilayerPerceptron(task: .binary, inputs: pipeline.dimension, hidden: [64], batchSize: 16)
        for i in 0..<37 {
            adam.learn([Float(i % 3), 1, 0, 1], target: Double(i % 2))
            perceptron.learn([Float(i % 3), 1, 0, 1], target: Double(i % 2))
        }
        for learner in [OnlineLearner.logistic(adam), .mlp(perceptron)] {
            let full = ModelBlob.encode(pipeline: pipeline, learner: learner)
            let serving = ModelBlob.encode(pipeline: pipeline, learner: learner, forServing: true)
            // The perceptron's weights dominate its blob; the 4-slot regression's are next to its header and schema.
            let bound = learner.isPerceptron ? 0.45 : 0.9
            #expect(Double(serving.count) < bound * Double(full.count), "\(serving.count) of \(full.count) bytes")
            var restored = try ModelBlob.decodeLearner(serving).learner
            for i in 0..<50 {
                let x: [Float] = [Float(i) / 7, Float(i % 2), 1, 0]
                #expect(restored.output(x).probabilities == learner.output(x).probabilities)
            }
            let before = restored.output([1, 1, 0, 1]).probabilities
            for i in 0..<40 { restored.learn([Float(i % 3), 1, 0, 1], target: Double(i % 2)) }
            #expect(restored.output([1, 1, 0, 1]).probabilities != before, "a serving blob can still be trained")
        }
    }

    @Test func nonFiniteWeightsAreRefused() throws {
        let pipeline = try FeaturePipeline(schema: FeatureSchema(features: [.init(name: "x", kind: .numeric)], hashWidth: 1))
        let broken = LogisticRegression(
            linear: LinearWeights(weights: [.nan, 0, 0], intercept: 0, learningRate: 0.01, interceptLearningRate: 0.01),
            examplesSeen: 1)
        let error = #expect(throws: ModelFormatError.self) {
            try ModelBlob.decode(ModelBlob.encode(pipeline: pipeline, model: broken))
        }
        #expect(error?.code == .invalidValue)
    }

    @Test func otherBytesAreNotAModel() {
        let error = #expect(throws: ModelFormatError.self) { try ModelBlob.decode(Array("{\"weights\": []}".utf8)) }
        #expect(error?.code == .notAModel)
    }
}

extension OnlineLearner {
    /// Whether this is a perceptron.
    fileprivate var isPerceptron: Bool {
        if case .mlp = self { return true }
        return false
    }
}
