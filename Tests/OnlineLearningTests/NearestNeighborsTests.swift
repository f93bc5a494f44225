import Datasets
import Foundation
import OnlineLearning
import Testing

/// k nearest neighbours against river 0.26.1's `neighbors.KNNClassifier` / `KNNRegressor` with the exact
/// `LazySearch(window_size=1000)` engine (5 neighbours; StandardScaler first, OneHotEncoder for agrawal's categorical
/// features) on the first 20,000 rows of the bundled streams at label delay 1,000. Reference values:
/// `python3 scripts/reference/river_knn.py streams/data/STREAM.csv streams/data/STREAM.meta.json 1000 --rows 20000` (its
/// `lateAccuracy` / `lateMAE`: the requests from 1,001 on, answered after the first label was learned — river answers
/// nothing before that, Flywheel class 0 or 0).
@Suite("k nearest neighbours against river")
struct NearestNeighborsTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let stream: String
        let task: LearningTask
        let classes: Int
        /// River's accuracy (classifiers) or MAE (regressors) from request 1,001 on.
        let river: Double
        /// How far Flywheel may be from it: agrawal's categorical values are hashed into 64 buckets (river one-hot
        /// encodes them), which changes some distances.
        let tolerance: Double
        var testDescription: String { stream }
    }

    static let cases = [
        Case(stream: "sea_abrupt", task: .binary, classes: 2, river: 0.85357124059161, tolerance: 0.001),
        Case(stream: "elec", task: .binary, classes: 2, river: 0.7718827306700352, tolerance: 0.001),
        Case(stream: "agrawal_abrupt", task: .binary, classes: 2, river: 0.7697773567029844, tolerance: 0.01),
        Case(stream: "waveform", task: .multiclass, classes: 3, river: 0.802358018843097, tolerance: 0.001),
        Case(stream: "friedman_gra", task: .regression, classes: 0, river: 2.1788569102759556, tolerance: 0.001),
    ]

    @Test(arguments: cases)
    func matchesRiver(_ reference: Case) throws {
        let schema = try JSONDecoder().decode(FeatureSchema.self, from: SharedData.file("\(reference.stream).meta.json"))
        let text = String(decoding: try SharedData.file("\(reference.stream).csv"), as: UTF8.self)
        let examples = Array(try CSVExamples.parse(text, schema: schema, target: "target", task: reference.task).prefix(20_000))
        let pipeline = try FeaturePipeline(schema: schema)
        let model = OnlineLearner.knn(NearestNeighbors(task: reference.task, classes: reference.classes, dimension: pipeline.dimension))
        let delay = 1000
        var total = 0.0, count = 0
        let (_, learner) = PrequentialEvaluation(delay: delay).run(
            examples, pipeline: pipeline, model: model, predict: { $0.output($1).answer },
            learn: { $0.learn($1, target: $2.target) },
            score: { index, example, answer in
                guard index > delay else { return }
                count += 1
                total += reference.task == .regression ? abs(answer - example.target) : (answer == example.target ? 1 : 0)
            })
        guard case .knn(let trained) = learner else {
            Issue.record("the learner is \(learner)")
            return
        }
        let figure = total / Double(count)
        print("\(reference.stream): k-NN \(figure) from request \(delay + 1) on (river \(reference.river))")
        #expect(count == examples.count - delay - 1)
        #expect(trained.stored == 1000 && trained.examplesSeen == examples.count)
        #expect(abs(figure - reference.river) <= reference.tolerance)
    }

    /// The answer's rules on a hand-made window: votes by 1 / distance, an exact match answers alone, ties go to
    /// the older example, the window forgets its oldest, a regressor averages.
    @Test func answersAsRiversRulesSay() {
        var model = NearestNeighbors(task: .multiclass, classes: 3, dimension: 2, neighbors: 2, window: 3)
        let third: Double = 1.0 / 3
        #expect(model.predict([0, 0]) == [third, third, third], "nothing learned: every class equally likely")
        model.learn([1, 0], target: 0)
        model.learn([0, 2], target: 1)
        model.learn([3, 0], target: 2)
        // From (0, 0): class 0 at distance 1, class 1 at 2 (class 2 at 3 is not among the 2 nearest).
        let votes = model.predict([0, 0])
        let expected: [Double] = [2.0 / 3, 1.0 / 3, 0]
        #expect(zip(votes, expected).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(model.predict([0, 2]) == [0, 1, 0], "an exact match answers its class alone")
        #expect(model.predict([2, 0]) == [0.5, 0, 0.5], "two neighbours at distance 1 vote alike")
        model.learn([1, 0], target: 1)  // pushes out the oldest, (1, 0) of class 0
        #expect(model.stored == 3 && model.nextSlot == 1)
        #expect(model.predict([1, 0]) == [0, 1, 0], "the window forgot (1, 0) of class 0")
        model.learn([0, 0], target: 7)
        #expect(model.examplesRefused == 1 && model.examplesSeen == 4, "a label outside the classes is refused")

        // Two examples at the same distance: the older one is the nearest, also once the window has wrapped round.
        var single = NearestNeighbors(task: .binary, dimension: 1, neighbors: 1, window: 4)
        for (x, y) in [(9.0, 0.0), (-1.0, 0.0), (3.0, 0.0), (5.0, 0.0), (1.0, 1.0)] { single.learn([Float(x)], target: y) }
        #expect(single.nextSlot == 1, "(1, class 1) took slot 0, the oldest's")
        #expect(single.predict([0]) == [1, 0], "(-1, class 0) is older than (1, class 1)")

        var regressor = NearestNeighbors(task: .regression, dimension: 1, neighbors: 3, window: 10)
        #expect(regressor.predict([5]) == [0])
        for (x, y) in [(0.0, 1.0), (1.0, 2.0), (2.0, 6.0), (10.0, 100.0)] { regressor.learn([Float(x)], target: y) }
        #expect(regressor.predict([0.5]) == [3], "the mean of the three nearest targets")
        #expect(regressor.predict([10]) == [100], "an exact match answers its target")
    }

    /// Mostly-zero stored vectors (hashed categories) are saved as their non-zero values: the blob is a fraction of
    /// the dense one and loads to the same model; a dense window loads the same too.
    @Test func sparseWindowsSaveCompactly() throws {
        let pipeline = try FeaturePipeline(schema: FeatureSchema(features: [.init(name: "x", kind: .numeric)], hashWidth: 38))
        var sparse = NearestNeighbors(task: .binary, dimension: pipeline.dimension, window: 100)
        var dense = NearestNeighbors(task: .binary, dimension: 3, window: 100)
        for index in 0..<150 {
            var x = [Float](repeating: 0, count: pipeline.dimension)
            x[0] = Float(index) / 10 - 7
            x[2 + index % 38] = 1
            sparse.learn(x, target: Double(index % 2))
            dense.learn([x[0], Float(index % 3) + 1, 1], target: Double(index % 2))
        }
        let blob = ModelBlob.encode(pipeline: pipeline, learner: .knn(sparse))
        #expect(blob.count < 100 * pipeline.dimension * 4 / 3, "\(blob.count) bytes for \(100 * pipeline.dimension) values")
        #expect(try ModelBlob.decodeLearner(blob).learner == .knn(sparse))
        let densePipeline = try FeaturePipeline(schema: FeatureSchema(features: [.init(name: "x", kind: .numeric)], hashWidth: 1))
        #expect(densePipeline.dimension == 3)
        #expect(try ModelBlob.decodeLearner(ModelBlob.encode(pipeline: densePipeline, learner: .knn(dense))).learner == .knn(dense))
    }
}
