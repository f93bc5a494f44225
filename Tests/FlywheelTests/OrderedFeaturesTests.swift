import FeatureValues
import Flywheel
import FlywheelEvents
import OnlineLearning
import Testing

/// The trainer looks a request's values up once in schema order and lets every model read them there
/// (``OnlineLearning/FeatureSchema/ordered(_:)``): that must learn and encode exactly what reading the request's
/// dictionary does — awkward values included — and a model on another schema must still read its own features.
@Suite("Features in schema order")
struct OrderedFeaturesTests {
    /// Numeric and categorical features interleaved, with a cross, so every part of the vector is exercised and a
    /// numeric slot is not its schema position.
    static let schema = FeatureSchema(
        features: [
            .init(name: "c", kind: .categorical), .init(name: "x", kind: .numeric),
            .init(name: "d", kind: .categorical), .init(name: "y", kind: .numeric),
        ],
        hashWidth: 16, crosses: [["c", "d"]])

    /// Requests with missing, mistyped, non-finite and huge values and names the schema does not know.
    static func request(_ index: Int) -> FeatureMap {
        let numbers: [FeatureValue] = [
            .number(Double(index % 17) - 8), .number(Double(index) * 0.37), .missing, .string("7"), .number(.nan),
            .number(.infinity), .number(1e300), .number(-0.5),
        ]
        var request: FeatureMap = [:]
        if index % 11 != 0 { request["x"] = numbers[index % numbers.count] }
        if index % 13 != 0 { request["y"] = numbers[(index * 5 + 3) % numbers.count] }
        if index % 7 != 0 { request["c"] = .string(["red", "green", "blue"][index % 3]) }
        if index % 5 != 0 { request["d"] = index % 9 == 0 ? .number(3) : .string("d\(index % 4)") }
        if index % 6 == 0 { request["unknown"] = .number(1) }
        return request
    }

    @Test func orderedValuesLearnAndEncodeAsTheDictionaryDoes() throws {
        var byName = try FeaturePipeline(schema: Self.schema)
        var byOrder = byName
        for index in 0..<2_000 {
            let request = Self.request(index)
            let ordered = Self.schema.ordered(request)
            #expect(ordered.count == Self.schema.features.count)
            #expect(byOrder.vector(ordered: ordered) == byName.transform(request).vector, "request \(index)")
            byName.learn(request)
            byOrder.learn(ordered: ordered)
        }
        #expect(byOrder == byName)
        #expect(byName.valuesRefused > 0, "the requests should include values the statistics refuse")
    }

    @Test func theTrainerTeachesEveryModelWhatTheDictionaryWould() throws {
        // The second model reads another schema (y only): it must still get its own feature's values.
        let other = FeatureSchema(features: [.init(name: "y", kind: .numeric)], hashWidth: 1)
        let models = try [Self.schema, Self.schema, other].enumerated().map { index, schema in
            let pipeline = try FeaturePipeline(schema: schema)
            return ServedModel(
                reference: ModelReference(id: "m\(index)", version: 1), pipeline: pipeline,
                model: LogisticRegression(dimension: pipeline.dimension))
        }
        var trainer = ModelTrainer(models: [models[0], models[2], models[1]], publishEvery: 1_000_000)
        var expected = [models[0], models[2], models[1]]
        for index in 0..<1_500 {
            let request = Self.request(index)
            let label: Double = index % 3 == 0 ? 1 : 0
            _ = trainer.learn(features: request, label: label, ts: Double(index))
            for slot in expected.indices {
                expected[slot].pipeline.learn(request)
                expected[slot].learner.learn(expected[slot].pipeline.transform(request).vector, target: label)
            }
        }
        for (trained, reference) in zip(trainer.models, expected) {
            #expect(trained.pipeline == reference.pipeline, "\(trained.reference.id)")
            #expect(trained.learner == reference.learner, "\(trained.reference.id)")
        }
        #expect(trainer.models[1].pipeline.statistics.first?.count ?? 0 > 500, "the other schema's model learned y")
    }
}
