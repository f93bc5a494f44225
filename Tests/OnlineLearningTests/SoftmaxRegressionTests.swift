import Datasets
import Foundation
import OnlineLearning
import Testing

/// Softmax regression against river 0.26.1's `linear_model.SoftmaxRegression` (StandardScaler first, no intercept) on
/// the bundled three-class stream `waveform` (river's `Waveform(seed=42)`, made by scripts/reference/make_waveform.py).
/// Reference values: `python3 scripts/reference/river_prequential.py streams/data/waveform.csv
/// streams/data/waveform.meta.json DELAY --model softmax [--optimizer adam --lr 0.01]`. River answers no class
/// before it has learned one, Flywheel every class from the start, so both are compared from `fromRequest` on (the
/// first request river scored with all three classes known).
@Suite("Softmax regression against river")
struct SoftmaxRegressionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let delay: Int
        let optimizer: Optimizer
        let rate: Double
        let fromRequest: Int
        let riverAccuracy: Double
        let riverLogLoss: Double
        var testDescription: String { "d=\(delay) \(optimizer.name) lr \(rate)" }
    }

    static let cases = [
        Case(delay: 0, optimizer: .sgd, rate: 0.01, fromRequest: 4, riverAccuracy: 0.8581216243248649, riverLogLoss: 0.33862764776086274),
        Case(delay: 1000, optimizer: .sgd, rate: 0.01, fromRequest: 1004, riverAccuracy: 0.8550221099178774, riverLogLoss: 0.34138866473701884),
        Case(delay: 0, optimizer: .adamDefault, rate: 0.01, fromRequest: 4, riverAccuracy: 0.8477195439087818, riverLogLoss: 0.36913942212711043),
        Case(delay: 1000, optimizer: .adamDefault, rate: 0.01, fromRequest: 1004, riverAccuracy: 0.8453358601810907, riverLogLoss: 0.3739327010034406),
    ]

    static func waveform() throws -> (FeatureSchema, [PrequentialEvaluation.Example]) {
        let schema = try JSONDecoder().decode(FeatureSchema.self, from: SharedData.file("waveform.meta.json"))
        let text = String(decoding: try SharedData.file("waveform.csv"), as: UTF8.self)
        return (schema, try CSVExamples.parse(text, schema: schema, target: "target", task: .multiclass))
    }

    @Test(arguments: cases)
    func matchesRiver(_ reference: Case) throws {
        let (schema, examples) = try Self.waveform()
        let pipeline = try FeaturePipeline(schema: schema)
        let model = SoftmaxRegression(
            classes: 3, dimension: pipeline.dimension, learningRate: reference.rate, interceptLearningRate: 0,
            optimizer: reference.optimizer)
        var late = MulticlassMetrics(classes: 3)
        _ = PrequentialEvaluation(delay: reference.delay).run(
            examples, pipeline: pipeline, model: model, predict: { $0.predictProbabilities($1) },
            learn: { $0.learn($1, label: Int($2.target)) },
            score: { index, example, probabilities in
                if index >= reference.fromRequest { late.update(label: Int(example.target), probabilities: probabilities) }
            })
        print("waveform \(reference.testDescription): accuracy \(late.accuracy) (river \(reference.riverAccuracy)), log loss \(late.logLoss) (river \(reference.riverLogLoss))")
        #expect(late.count == examples.count - reference.fromRequest)
        #expect(abs(late.accuracy - reference.riverAccuracy) <= 0.005, "within half a point of river")
        #expect(abs(late.logLoss - reference.riverLogLoss) <= 0.005)
    }

    /// BLAS batch probabilities equal one-at-a-time ones (to single precision), and sum to 1.
    @Test func batchPredictionAgrees() throws {
        let (schema, examples) = try Self.waveform()
        var pipeline = try FeaturePipeline(schema: schema)
        var model = SoftmaxRegression(classes: 3, dimension: pipeline.dimension, optimizer: .adaGradDefault)
        for example in examples.prefix(2000) {
            pipeline.learn(example.features)
            model.learn(pipeline.transform(example.features).vector, label: Int(example.target))
        }
        let rows = examples[2000..<2100].map { pipeline.transform($0.features).vector }
        let batch = model.predictProbabilitiesBatch(rows.flatMap { $0 }, count: rows.count)
        for (row, batched) in zip(rows, batch) {
            let single = model.predictProbabilities(row)
            #expect(abs(single.reduce(0, +) - 1) < 1e-12)
            #expect(zip(single, batched).allSatisfy { abs($0 - $1) < 1e-5 }, "\(single) vs \(batched)")
        }
    }

    /// A label outside the classes, a NaN or infinite value and a wrong-length vector are refused and counted.
    @Test func refusesBadInput() {
        var model = SoftmaxRegression(classes: 3, dimension: 2)
        model.learn([1, 2], label: 3)
        model.learn([1, 2], label: -1)
        model.learn([.nan, 2], label: 0)
        model.learn([.infinity, 2], label: 1)
        model.learn([1], label: 1)
        #expect(model.examplesRefused == 5 && model.examplesSeen == 0 && model.weights.allSatisfy { $0 == 0 })
        model.learn([1, 2], label: 2)
        #expect(model.predict([1, 2]) == 2 && model.weights.allSatisfy(\.isFinite))
    }

    /// The multiclass confusion matrix's macro F1 against scikit-learn 1.9.1's `f1_score(average="macro")` on the same
    /// labels: `python3 -c "from sklearn.metrics import f1_score; print(f1_score([0,1,2,2,1,0,2],[0,2,2,2,1,1,0],
    /// average='macro'))"` prints 0.5555555555555555.
    @Test func macroF1OverThreeClasses() {
        var confusion = ConfusionMatrix(classes: 3)
        for (label, predicted) in zip([0, 1, 2, 2, 1, 0, 2], [0, 2, 2, 2, 1, 1, 0]) { confusion.update(label: label, predicted: predicted) }
        #expect(abs(confusion.macroF1 - 0.5555555555555555) < 1e-12)
    }
}
