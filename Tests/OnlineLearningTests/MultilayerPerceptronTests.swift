import Foundation
import OnlineLearning
import Testing

/// The perceptron's minibatch steps against numpy: `python3 scripts/reference/mlp_steps.py >
/// Tests/OnlineLearningTests/Fixtures/mlp_steps.json` (numpy 2.4.6, float64) computes forward, backward (checked
/// there against finite differences) and SGD / AdaGrad / Adam steps from the same initial weights and batches.
/// Flywheel computes in Float through `cblas_sgemm`, so agreement is to single precision.
@Suite("Multilayer perceptron against numpy")
struct MultilayerPerceptronTests {
    struct Batch: Decodable {
        var x: [Double]
        var y: [Double]
    }

    struct Case: Decodable {
        var name, task, optimizer: String
        var layerSizes: [Int]
        var learningRate, l2: Double
        var batchSize: Int
        var weights, biases, biasesAfter: [[Double]]
        var weightsAfterEachStep: [[[Double]]]
        var batches: [Batch]
        var probe, probePredictions: [Double]
    }

    struct Fixture: Decodable {
        var cases: [Case]
    }

    static let fixture: Fixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/mlp_steps.json")
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    static let names = fixture.cases.map(\.name)

    @Test(arguments: names)
    func stepsMatchNumpy(_ name: String) throws {
        let reference = try #require(Self.fixture.cases.first { $0.name == name })
        let optimizer: Optimizer = switch reference.optimizer {
        case "adam": .adamDefault
        case "adagrad": .adaGradDefault
        default: .sgd
        }
        let task: MultilayerPerceptron.Task = switch reference.task {
        case "binary": .binary
        case "multiclass": .multiclass
        default: .regression
        }
        var model = MultilayerPerceptron(
            task: task, layerSizes: reference.layerSizes,
            weights: reference.weights.map { $0.map(Float.init) }, biases: reference.biases.map { $0.map(Float.init) },
            batchSize: reference.batchSize, optimizer: optimizer, learningRate: reference.learningRate, l2: reference.l2)
        let inputs = reference.layerSizes[0]
        for (step, batch) in reference.batches.enumerated() {
            for r in 0..<batch.y.count {
                model.learn(batch.x[(r * inputs)..<((r + 1) * inputs)].map(Float.init), target: batch.y[r])
            }
            #expect(model.steps == step + 1, "a full batch takes exactly one step")
            let expected = reference.weightsAfterEachStep[step]
            for (l, layer) in model.layerWeights.enumerated() {
                let worst = zip(layer, expected[l]).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
                #expect(worst < 2e-5, "\(name): layer \(l) after step \(step + 1) differs by \(worst)")
            }
        }
        for (l, layer) in model.layerBiases.enumerated() {
            let worst = zip(layer, reference.biasesAfter[l]).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(worst < 2e-5, "\(name): biases \(l) differ by \(worst)")
        }
        let probes = reference.probe.map(Float.init)
        if task == .multiclass {
            let classes = reference.layerSizes.last!, count = reference.probePredictions.count / classes
            let batched = model.predictProbabilitiesBatch(probes, count: count)
            for r in 0..<count {
                let single = model.predictProbabilities(Array(probes[(r * inputs)..<((r + 1) * inputs)]))
                let expected = Array(reference.probePredictions[(r * classes)..<((r + 1) * classes)])
                #expect(zip(single, expected).allSatisfy { abs($0 - $1) < 1e-4 }, "\(name): probe \(r) \(single) vs \(expected)")
                #expect(zip(batched[r], single).allSatisfy { abs($0 - $1) < 1e-5 }, "batch and single prediction agree")
                #expect(model.predictValue(Array(probes[(r * inputs)..<((r + 1) * inputs)]))
                        == Double(expected.indices.max { expected[$0] < expected[$1] }!), "the answer is the most likely class")
            }
            return
        }
        let batched = model.predictBatch(probes, count: reference.probePredictions.count)
        for (r, expected) in reference.probePredictions.enumerated() {
            let single = model.predictValue(Array(probes[(r * inputs)..<((r + 1) * inputs)]))
            #expect(abs(single - expected) < 1e-4 * max(1, abs(expected)), "\(name): probe \(r) \(single) vs \(expected)")
            #expect(abs(batched[r] - single) < 1e-5 * max(1, abs(single)), "batch and single prediction agree")
        }
    }

    /// Until the batch is full nothing moves; a partial batch can be flushed with `trainBatch()`.
    @Test func learnsOnlyOnFullBatches() {
        var model = MultilayerPerceptron(task: .binary, inputs: 3, hidden: [4], batchSize: 4)
        let before = model.predictValue([1, -1, 0.5])
        for _ in 0..<3 { model.learn([1, -1, 0.5], target: 1) }
        #expect(model.predictValue([1, -1, 0.5]) == before && model.steps == 0 && model.examplesSeen == 3)
        model.trainBatch()
        #expect(model.steps == 1 && model.predictValue([1, -1, 0.5]) > before)
    }

    /// Bad input is refused and counted, never learned: the weights stay finite.
    @Test func refusesBadInput() {
        var model = MultilayerPerceptron(task: .binary, inputs: 2, hidden: [3], batchSize: 1)
        model.learn([.nan, 1], target: 1)
        model.learn([.infinity, 1], target: 0)
        model.learn([1, 1], target: 2)
        model.learn([1], target: 1)
        #expect(model.examplesRefused == 4 && model.examplesSeen == 0 && model.steps == 0)
        var regressor = MultilayerPerceptron(task: .regression, inputs: 2, hidden: [3], batchSize: 1)
        regressor.learn([1, 1], target: .nan)
        regressor.learn([1, 1], target: 1e300)  // not representable as Float
        #expect(regressor.examplesRefused == 2)
        regressor.learn([1, 1], target: 5)
        #expect(regressor.predictValue([1, 1]).isFinite && regressor.steps == 1)
        var multiclass = MultilayerPerceptron(task: .multiclass, inputs: 2, hidden: [3], classes: 3, batchSize: 1)
        for target in [3, -1, 0.5, .nan] { multiclass.learn([1, 1], target: target) }
        #expect(multiclass.examplesRefused == 4 && multiclass.steps == 0)
        multiclass.learn([1, 1], target: 2)
        #expect(multiclass.steps == 1 && multiclass.predictProbabilities([1, 1]).count == 3)
    }
}
