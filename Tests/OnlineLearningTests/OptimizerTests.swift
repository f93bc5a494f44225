import Datasets
import Foundation
import OnlineLearning
import Testing

/// AdaGrad, Adam and L2 on logistic regression against river 0.26.1's `optim.AdaGrad`, `optim.Adam` and `l2`, same
/// pipeline (StandardScaler), same protocol. Reference values printed by
/// `python3 scripts/reference/river_prequential.py streams/data/STREAM.csv streams/data/STREAM.meta.json DELAY
/// --optimizer adagrad` (lr 0.1, river's default) or `--optimizer adam --lr 0.01`, or `--optimizer sgd --l2 0.001`.
@Suite("Optimizers against river")
struct OptimizerTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let stream: String
        let delay: Int
        let optimizer: Optimizer
        let rate: Double
        let l2: Double
        let riverAccuracy: Double
        let riverLogLoss: Double
        var testDescription: String { "\(stream) d=\(delay) \(optimizer.name) lr \(rate) l2 \(l2)" }
    }

    static let cases: [Case] = [
        Case(stream: "sea_abrupt", delay: 0, optimizer: .adaGradDefault, rate: 0.1, l2: 0, riverAccuracy: 0.88887, riverLogLoss: 0.424008791656232),
        Case(stream: "sea_abrupt", delay: 1000, optimizer: .adaGradDefault, rate: 0.1, l2: 0, riverAccuracy: 0.8798, riverLogLoss: 0.4287034999470706),
        Case(stream: "sea_abrupt", delay: 0, optimizer: .adamDefault, rate: 0.01, l2: 0, riverAccuracy: 0.87842, riverLogLoss: 0.4256530570287109),
        Case(stream: "sea_abrupt", delay: 1000, optimizer: .adamDefault, rate: 0.01, l2: 0, riverAccuracy: 0.87028, riverLogLoss: 0.43040813910797204),
        Case(stream: "sea_abrupt", delay: 0, optimizer: .sgd, rate: 0.01, l2: 0.001, riverAccuracy: 0.88517, riverLogLoss: 0.4245704983624931),
        Case(stream: "elec", delay: 0, optimizer: .adaGradDefault, rate: 0.1, l2: 0, riverAccuracy: 0.8071151129943502, riverLogLoss: 0.4328285749297087),
        Case(stream: "elec", delay: 1000, optimizer: .adaGradDefault, rate: 0.1, l2: 0, riverAccuracy: 0.7688250353107344, riverLogLoss: 0.5028334282328406),
        Case(stream: "elec", delay: 0, optimizer: .adamDefault, rate: 0.01, l2: 0, riverAccuracy: 0.8064088983050848, riverLogLoss: 0.4308162985631218),
        Case(stream: "elec", delay: 1000, optimizer: .adamDefault, rate: 0.01, l2: 0, riverAccuracy: 0.758011122881356, riverLogLoss: 0.556373539289061),
    ]

    /// River keeps the intercept on SGD at 0.01 whatever the weights' optimizer; so does Flywheel.
    @Test(arguments: cases)
    func matchesRiver(_ reference: Case) throws {
        let schema = try JSONDecoder().decode(FeatureSchema.self, from: try SharedData.file("\(reference.stream).meta.json"))
        let text = String(decoding: try SharedData.file("\(reference.stream).csv"), as: UTF8.self)
        let examples = try CSVExamples.parse(text, schema: schema, target: "target")
        let pipeline = try FeaturePipeline(schema: schema)
        let model = LogisticRegression(
            dimension: pipeline.dimension, learningRate: reference.rate, interceptLearningRate: 0.01,
            optimizer: reference.optimizer, l2: reference.l2)
        let result = PrequentialEvaluation(delay: reference.delay).run(examples, pipeline: pipeline, model: model)
        print("\(reference.testDescription): accuracy \(result.metrics.accuracy) (river \(reference.riverAccuracy)), log loss \(result.metrics.logLoss) (river \(reference.riverLogLoss))")
        // Measured: accuracy equal, log loss within 1e-9 (8e-5 on elec d=1000 with Adam): Float vectors vs doubles.
        #expect(abs(result.metrics.accuracy - reference.riverAccuracy) <= 0.0001)
        #expect(abs(result.metrics.logLoss - reference.riverLogLoss) <= 0.0001)
    }

    /// Adam's first step moves every present weight by about the base rate, whatever the gradient's size (its
    /// normalization), and leaves absent coordinates alone; AdaGrad's first step is rate · g / |g| too.
    @Test func firstStepsFollowTheRules() {
        for optimizer in [Optimizer.adamDefault, .adaGradDefault] {
            var model = LogisticRegression(dimension: 3, learningRate: 0.1, optimizer: optimizer)
            model.learn([2, 0, -0.01], label: 1)
            #expect(abs(model.weights[0] - 0.1) < 1e-6, "\(optimizer.name): \(model.weights)")
            #expect(model.weights[1] == 0)
            #expect(abs(model.weights[2] + 0.1) < 1e-3, "\(optimizer.name): \(model.weights)")
        }
    }

    /// L1 drives a weight whose feature carries no signal to exactly 0.
    @Test func l1ZeroesUselessWeights() {
        var model = LogisticRegression(dimension: 2, learningRate: 0.05, l1: 0.05)
        var noise = UInt64(7)
        for i in 0..<5_000 {
            noise = noise &* 6364136223846793005 &+ 1442695040888963407
            let useless: Float = (noise >> 40) & 1 == 0 ? 1 : -1
            let label = i % 2
            model.learn([label == 1 ? 1 : -1, useless], label: label)
        }
        #expect(model.weights[0] > 1)
        #expect(model.weights[1] == 0 || abs(model.weights[1]) < 0.01, "\(model.weights)")
    }
}

/// The perceptron's dense Adam step (`OptimizerState.update(_:gradient:rate:)` → `VectorOperations.adam`, a C loop
/// the C compiler vectorizes) gives the same bits as its expressions evaluated one weight at a time in Swift, in
/// `Float` with `Float` constants, as the Swift kernel it replaced did: no fused multiply-adds, no reordering — so
/// moving the loop to C changed no model's numbers.
@Suite("Adam's dense step")
struct AdamDenseStepTests {
    @Test(arguments: [1, 15, 16, 17, 100, 2_657])
    func theDenseStepMatchesTheScalarExpressionsBitForBit(count: Int) {
        var generator = SystemRandomNumberGenerator()
        var state = OptimizerState<Float>(.adamDefault, count: count)
        var weights = (0..<count).map { _ in Float.random(in: -1...1, using: &generator) }
        var (w, m, v) = (weights, [Float](repeating: 0, count: count), [Float](repeating: 0, count: count))
        let (beta1, beta2, epsilon): (Float, Float, Float) = (0.9, 0.999, 1e-8)
        let (c1, c2) = (1 - beta1, 1 - beta2)
        for step in 0..<20 {
            // Gradients of every size, zeros included (√0 in the denominator).
            let gradient: [Float] = (0..<count).map { i in
                guard i % 7 != 0 else { return 0 }
                let scale = Float(pow(10, Double(i % 5 - 2)))
                return Float.random(in: -1...1, using: &generator) * scale
            }
            let rate = 0.003 * state.stepScale(atStep: step)
            state.update(&weights, gradient: gradient, rate: rate)
            for i in 0..<count {
                m[i] = beta1 * m[i] + c1 * gradient[i]
                v[i] = beta2 * v[i] + c2 * gradient[i] * gradient[i]
                w[i] = w[i] - rate * m[i] / (v[i].squareRoot() + epsilon)
            }
        }
        #expect(weights.map(\.bitPattern) == w.map(\.bitPattern))
        #expect(state.first.map(\.bitPattern) == m.map(\.bitPattern), "first moments")
        #expect(state.second.map(\.bitPattern) == v.map(\.bitPattern), "second moments")
    }
}
