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
        let newer = #expect(throws: ModelFormatError.self) { try ModelBlob.decode(resealed { $0[4] = 3 }) }
        #expect(newer?.code == .unsupportedVersion)
        #expect(newer?.reason.contains("version 3") == true)
        let unknown = #expect(throws: ModelFormatError.self) { try ModelBlob.decode(resealed { $0[6] = 9 }) }
        #expect(unknown?.code == .unknownModel)
    }

    @Test func nonFiniteWeightsAreRefused() throws {
        let pipeline = try FeaturePipeline(schema: FeatureSchema(features: [.init(name: "x", kind: .numeric)], hashWidth: 1))
        let broken = LogisticRegression(
            weights: [.nan, 0, 0], intercept: 0, learningRate: 0.01, interceptLearningRate: 0.01, examplesSeen: 1)
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
