import FeatureValues
import Flywheel
import FlywheelEvents
import Foundation
import OnlineLearning
import Testing

/// Training shadows on joined examples, publishing versions, and the live model set picking them up.
@Suite("Model trainer")
struct ModelTrainerTests {
    static let schema = FeatureSchema(features: [.init(name: "a", kind: .numeric), .init(name: "b", kind: .numeric)], hashWidth: 1)

    /// A served answer the trainer does not read (it learns from features and labels only).
    static let servedAnswer = ModelOutput(model: ModelReference(id: "served", version: 1), answer: 0, probabilities: [1, 0])

    /// `label = a + b > 1` on a fixed pseudo-random sequence.
    static func example(_ index: Int) -> JoinedExample {
        let a = Double((index * 37) % 100) / 100, b = Double((index * 61 + 13) % 100) / 100
        return JoinedExample(
            requestId: "r\(index)", requestTs: Double(index), labelTs: Double(index) + 1,
            features: ["a": .number(a), "b": .number(b)], label: a + b > 1 ? 1 : 0, champion: servedAnswer, shadows: [])
    }

    static func champion() throws -> ServedModel {
        var pipeline = try FeaturePipeline(schema: schema)
        var model = LogisticRegression(dimension: pipeline.dimension)
        for index in 0..<300 {
            let example = example(index)
            pipeline.learn(example.features)
            model.learn(pipeline.transform(example.features).vector, target: example.label)
        }
        return ServedModel(reference: ModelReference(id: "champion", version: 4), pipeline: pipeline, model: model)
    }

    @Test func shadowsStartFromTheChampionOrFromNothing() throws {
        let champion = try Self.champion()
        let tuned = ModelTrainer.fineTuned(from: champion, id: "tuned")
        let fresh = try ModelTrainer.fresh(like: champion, id: "fresh")
        #expect(tuned.learner == champion.learner && tuned.pipeline == champion.pipeline)
        #expect(tuned.reference == ModelReference(id: "tuned", version: 1))
        #expect(fresh.learner.weights.allSatisfy { $0 == 0 } && fresh.learner.examplesSeen == 0)
    }

    @Test func versionsArePublishedEveryNExamplesWithTheirWeights() throws {
        let champion = try Self.champion()
        var trainer = ModelTrainer(
            models: [ModelTrainer.fineTuned(from: champion, id: "tuned"), try ModelTrainer.fresh(like: champion, id: "fresh")],
            publishEvery: 100)
        var events: [ModelEvent] = []
        for index in 300..<500 { events += trainer.learn(Self.example(index), ts: Double(index)) }
        #expect(events.map(\.model) == [
            ModelReference(id: "tuned", version: 2), ModelReference(id: "fresh", version: 2),
            ModelReference(id: "tuned", version: 3), ModelReference(id: "fresh", version: 3),
        ])
        #expect(events.allSatisfy { $0.kind == .version })
        // The last version of each shadow carries exactly its current weights.
        for shadow in trainer.models {
            let event = try #require(events.last { $0.model.id == shadow.reference.id })
            let weights = try #require(event.weights)
            let bytes = try #require(Data(base64Encoded: weights))
            let loaded = try ModelBlob.decode(Array(bytes), expectedSchema: Self.schema)
            #expect(.logistic(loaded.model) == shadow.learner && loaded.pipeline == shadow.pipeline)
        }
        // The fresh shadow has learned the concept.
        let fresh = trainer.models[1]
        let correct = (500..<700).filter { index in
            let example = Self.example(index)
            return fresh.learner.output(fresh.pipeline.transform(example.features).vector).answer == example.label
        }.count
        #expect(correct > 160, "fresh shadow right on \(correct) of 200")
    }

    /// A large model publishes less often — at most one version per 64 of its parameters' worth of examples: a
    /// perceptron of ~34,000 parameters every 536 examples, one of ~17,000 (agrawal's `mlp`) every 268, a small one and
    /// a linear model every `publishEvery` — each with its whole state (a reloaded version trains on identically).
    @Test func largeModelsPublishLessOften() throws {
        let pipeline = try FeaturePipeline(schema: FeatureSchema(features: [.init(name: "a", kind: .numeric)], hashWidth: 264))
        let large = MultilayerPerceptron(task: .binary, inputs: pipeline.dimension, hidden: [128])
        #expect(large.parameterCount == 266 * 128 + 128 + 128 + 1)
        #expect(ModelTrainer.publishInterval(of: .mlp(large), every: 100) == 34_305 / 64)
        #expect(ModelTrainer.publishInterval(of: .mlp(MultilayerPerceptron(task: .binary, inputs: 266, hidden: [64])), every: 100) == 17_153 / 64)
        #expect(ModelTrainer.publishInterval(of: .mlp(MultilayerPerceptron(task: .binary, inputs: 266, hidden: [64])), every: 300) == 300)
        #expect(ModelTrainer.publishInterval(of: .mlp(MultilayerPerceptron(task: .binary, inputs: 4)), every: 100) == 100)
        #expect(ModelTrainer.publishInterval(of: .logistic(LogisticRegression(dimension: 266)), every: 100) == 100)
        var trainer = ModelTrainer(
            models: [ServedModel(reference: ModelReference(id: "mlp", version: 1), pipeline: pipeline, learner: .mlp(large))],
            publishEvery: 100)
        var events: [ModelEvent] = []
        for index in 0..<1_200 {
            events += trainer.learn(JoinedExample(
                requestId: "r\(index)", requestTs: Double(index), labelTs: Double(index) + 1,
                features: ["a": .number(Double(index % 7))], label: Double(index % 2), champion: Self.servedAnswer, shadows: []), ts: Double(index))
        }
        #expect(events.map(\.model.version) == [2, 3], "versions after 536 and 1,072 examples")
        let blob = try #require(events.last?.weights.flatMap { Data(base64Encoded: $0) })
        #expect(try ModelBlob.decodeLearner(Array(blob)).learner != trainer.models[0].learner, "128 examples learned since")
    }

    /// A young model publishes every eighth of what it has learned (at least every 10 examples) until that reaches its
    /// interval; without the option, or once grown, it keeps its interval. Its age is its pipeline's count, so a
    /// model restored from a save or restarted from nothing is as young as its statistics say.
    @Test func youngModelsPublishSooner() throws {
        #expect(ModelTrainer.youngInterval(learned: 0, regular: 250) == 10)
        #expect(ModelTrainer.youngInterval(learned: 800, regular: 250) == 100)
        #expect(ModelTrainer.youngInterval(learned: 5_000, regular: 250) == 250)
        #expect(ModelTrainer.youngInterval(learned: 0, regular: 4) == 4)
        let champion = try Self.champion()
        func versionsAt(sooner: Bool) throws -> [Int] {
            var trainer = ModelTrainer(
                models: [try ModelTrainer.fresh(like: champion, id: "fresh")], publishEvery: 250,
                publishesYoungModelsSooner: sooner)
            var at: [Int] = []
            for index in 0..<3_000 where !trainer.learn(Self.example(index), ts: Double(index)).isEmpty { at.append(index + 1) }
            return at
        }
        #expect(try versionsAt(sooner: false) == Array(stride(from: 250, through: 3_000, by: 250)))
        let young = try versionsAt(sooner: true)
        #expect(young.first == 10)
        var previous = 0
        for learned in young {
            #expect(learned - previous == ModelTrainer.youngInterval(learned: learned, regular: 250), "version at \(learned)")
            previous = learned
        }
        // ~35 versions before it has learned 2,000 examples (8 at 10 apart, then each 1/8 past the last), then 250 apart.
        #expect((30...40).contains(young.filter { $0 < 2_000 }.count), "\(young.count) versions: \(young)")
        // Its age is its statistics' count: none without numeric features.
        #expect(champion.pipeline.examplesLearned == 300)
        #expect(try FeaturePipeline(schema: FeatureSchema(features: [.init(name: "c", kind: .categorical)], hashWidth: 4)).examplesLearned == nil)
    }

    @Test func liveModelsPickUpNewVersions() throws {
        let champion = try Self.champion()
        var trainer = ModelTrainer(models: [try ModelTrainer.fresh(like: champion, id: "fresh")], publishEvery: 50)
        var events: [ModelEvent] = []
        for index in 0..<100 { events += trainer.learn(Self.example(index), ts: 0) }
        let live = LiveModels(ModelSet(champion: champion))
        for event in events { live.replace(with: try live.snapshot.applying(event)) }
        #expect(live.snapshot.shadows.map(\.reference) == [ModelReference(id: "fresh", version: 3)])
        #expect(live.snapshot.shadows[0].learner == trainer.models[0].learner)
        // An older version arriving late changes nothing.
        #expect(try live.snapshot.applying(events[0]) == live.snapshot)
        // A version of the champion's id replaces the champion.
        var promotedWeights = events[1]
        promotedWeights.model = ModelReference(id: "champion", version: 5)
        #expect(try live.snapshot.applying(promotedWeights).champion.reference.version == 5)
        // Weights that do not load leave the set as it was, with a reason.
        var broken = events[1]
        broken.weights = "AAAA"
        #expect(throws: ModelEventError.self) { try live.snapshot.applying(broken) }
        // Weights that are not base64, or none, are refused with the event's `problem` (the weights decoded once).
        for weights in ["not base64!", nil] {
            var unreadable = events[1]
            unreadable.weights = weights
            let error = #expect(throws: ModelEventError.self) { try live.snapshot.applying(unreadable) }
            #expect(error?.reason.contains("carries no readable weights") == true, "\(String(describing: error))")
        }
        // A promotion that does not name the champion it replaces is refused; a retirement changes nothing served.
        let orphan = ModelEvent(kind: .promotion, ts: 0, model: ModelReference(id: "fresh", version: 3))
        let refused = #expect(throws: ModelEventError.self) { try live.snapshot.applying(orphan) }
        #expect(refused?.reason.contains("does not say which champion it replaces") == true)
        let retirement = ModelEvent(
            kind: .retirement, ts: 0, model: ModelReference(id: "fresh", version: 3), replaces: champion.reference)
        #expect(try live.snapshot.applying(retirement) == live.snapshot)
    }
}
