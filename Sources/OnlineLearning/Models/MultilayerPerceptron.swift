import Foundation

// MARK: - MultilayerPerceptron

/// A small multilayer perceptron learned online in minibatches: 1–2 hidden layers of ReLU units and an output layer —
/// one sigmoid unit for binary classification (log loss), one linear unit for regression (squared loss), or a softmax
/// over one unit per class for multiclass classification (cross-entropy).
///
/// Examples are collected until ``batchSize`` have arrived; then one step runs forward and backward over the whole
/// batch with `cblas_sgemm` (``MultilayerPerceptron/trainBatch()``) and the optimizer (Adam by default) moves every
/// weight. Predictions in between use the weights as of the last step. A single prediction walks the layers
/// skipping zero inputs, so one-hot (hashed) vectors cost only their non-zeros; ``predictBatch(_:count:)`` scores many
/// requests with one `sgemm` per layer.
///
/// Weights start from a seeded SplitMix64 (He-uniform for hidden layers, Glorot-uniform for the output), so the same
/// settings and seed give the same model.
public struct MultilayerPerceptron: Sendable, Hashable {
    /// What the output unit answers.
    public enum Task: UInt8, Sendable, Hashable, Codable {
        /// The probability of class 1 (sigmoid output, log loss).
        case binary = 0
        /// A value (linear output, squared loss).
        case regression = 1
        /// The probability of each of several classes (softmax output, one unit per class, cross-entropy).
        case multiclass = 2
    }

    /// What the output unit answers.
    public let task: Task
    /// Units per layer: the input dimension, the hidden layers, then the outputs (1, or one per class).
    public let layerSizes: [Int]
    /// Examples per minibatch step.
    public let batchSize: Int
    /// The optimizer's base rate.
    public private(set) var learningRate: Double
    /// L2 strength on the weights (not the biases).
    public let l2: Double
    /// Layer `l`'s weights, `layerSizes[l]` rows × `layerSizes[l + 1]` columns, row-major.
    var weights: [[Float]]
    /// Layer `l`'s biases.
    var biases: [[Float]]
    /// The optimizer's accumulators for each layer's weights.
    var weightOptimizers: [OptimizerState<Float>]
    /// The optimizer's accumulators for each layer's biases.
    var biasOptimizers: [OptimizerState<Float>]
    /// Inputs waiting for the next step, row after row.
    var batchInputs: [Float]
    /// Their targets.
    var batchTargets: [Float]
    /// Minibatch steps taken.
    public internal(set) var steps = 0
    /// How many examples it has learned from (including those waiting in the current batch).
    public internal(set) var examplesSeen = 0
    /// Examples refused: a wrong-length or non-finite vector, or a target that is not 0/1 (binary), not a class id
    /// (multiclass) or not finite.
    public internal(set) var examplesRefused = 0

    /// An untrained perceptron.
    /// - Parameters:
    ///   - task: binary or multiclass classification, or regression.
    ///   - inputs: the vector dimension.
    ///   - hidden: units per hidden layer (one or two layers).
    ///   - classes: how many classes a multiclass perceptron tells apart (at least 2; ignored for the other tasks).
    ///   - batchSize: examples per step. Default 16.
    ///   - optimizer: the update rule. Default Adam.
    ///   - learningRate: its base rate. Default 0.005.
    ///   - l2: L2 strength on the weights. Default 0.
    ///   - seed: the initial weights' seed.
    public init(
        task: Task, inputs: Int, hidden: [Int] = [64], classes: Int = 2, batchSize: Int = 16,
        optimizer: Optimizer = .adamDefault, learningRate: Double = 0.005, l2: Double = 0, seed: UInt64 = 42
    ) {
        precondition(inputs > 0 && (1...2).contains(hidden.count) && hidden.allSatisfy { $0 > 0 },
                     "a perceptron needs inputs and one or two non-empty hidden layers")
        precondition(task != .multiclass || classes >= 2, "a multiclass perceptron needs two classes or more")
        precondition(batchSize > 0 && learningRate > 0 && learningRate.isFinite && l2 >= 0 && l2.isFinite
                     && optimizer.isValid, "invalid perceptron settings")
        self.task = task
        layerSizes = [inputs] + hidden + [task == .multiclass ? classes : 1]
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.l2 = l2
        var random = SplitMix64(seed: seed)
        weights = []
        biases = []
        for l in 0..<(layerSizes.count - 1) {
            let (fanIn, fanOut) = (layerSizes[l], layerSizes[l + 1])
            let limit = l == layerSizes.count - 2 ? (6 / Double(fanIn + fanOut)).squareRoot() : (6 / Double(fanIn)).squareRoot()
            weights.append((0..<(fanIn * fanOut)).map { _ in
                Float((Double(random.next() >> 11) / Double(1 << 53) * 2 - 1) * limit)
            })
            biases.append(Array(repeating: 0, count: fanOut))
        }
        weightOptimizers = weights.map { OptimizerState(optimizer, count: $0.count) }
        biasOptimizers = biases.map { OptimizerState(optimizer, count: $0.count) }
        batchInputs = []
        batchInputs.reserveCapacity(batchSize * inputs)
        batchTargets = []
        batchTargets.reserveCapacity(batchSize)
    }

    /// A perceptron with given weights (say, from another framework), untrained optimizer state and an empty batch.
    /// - Parameters:
    ///   - layerSizes: input dimension, one or two hidden sizes, the outputs (1, or the classes of a multiclass one).
    ///   - weights: per layer, `layerSizes[l]` × `layerSizes[l + 1]` values, row-major.
    ///   - biases: per layer, `layerSizes[l + 1]` values.
    public init(
        task: Task, layerSizes: [Int], weights: [[Float]], biases: [[Float]], batchSize: Int = 16,
        optimizer: Optimizer = .adamDefault, learningRate: Double = 0.005, l2: Double = 0
    ) {
        self.init(task: task, inputs: layerSizes[0], hidden: Array(layerSizes.dropFirst().dropLast()),
                  classes: layerSizes.last ?? 0, batchSize: batchSize, optimizer: optimizer, learningRate: learningRate, l2: l2)
        precondition((task == .multiclass || layerSizes.last == 1) && weights.count == layerSizes.count - 1 && biases.count == weights.count
                     && weights.indices.allSatisfy { weights[$0].count == layerSizes[$0] * layerSizes[$0 + 1]
                        && biases[$0].count == layerSizes[$0 + 1] },
                     "weights and biases do not fit layers \(layerSizes)")
        self.weights = weights
        self.biases = biases
    }

    /// Sets the base learning rate from the next step on, keeping weights and optimizer state (to fine-tune a copy).
    public mutating func setLearningRate(_ rate: Double) {
        precondition(rate > 0 && rate.isFinite, "invalid learning rate \(rate)")
        learningRate = rate
    }

    /// Each layer's weights, `layerSizes[l]` × `layerSizes[l + 1]`, row-major.
    public var layerWeights: [[Float]] { weights }
    /// Each layer's biases.
    public var layerBiases: [[Float]] { biases }

    /// The optimizer.
    public var optimizer: Optimizer { weightOptimizers[0].optimizer }
    /// The input dimension.
    public var inputs: Int { layerSizes[0] }
    /// The hidden layers' sizes.
    public var hidden: [Int] { Array(layerSizes.dropFirst().dropLast()) }
    /// How many classes it tells apart: the output units of a multiclass perceptron, 2 for a binary one, 0 for
    /// regression.
    public var classCount: Int {
        switch task {
        case .binary: 2
        case .regression: 0
        case .multiclass: layerSizes[layerSizes.count - 1]
        }
    }
    /// How many parameters (weights and biases) it has.
    public var parameterCount: Int { weights.reduce(0) { $0 + $1.count } + biases.reduce(0) { $0 + $1.count } }

    /// The output unit's raw value for one vector (the first unit's, for a multiclass perceptron).
    public func score(_ x: [Float]) -> Double {
        Double(rawOutputs(x)[0])
    }

    /// The output layer's raw values for one vector (before the sigmoid or softmax).
    public func rawOutputs(_ x: [Float]) -> [Float] {
        precondition(x.count == inputs, "Expected a vector of \(inputs), got \(x.count).")
        var input = x
        for l in 0..<weights.count {
            let width = layerSizes[l + 1]
            var output = biases[l]
            weights[l].withUnsafeBufferPointer { w in
                output.withUnsafeMutableBufferPointer { out in
                    for i in 0..<input.count where input[i] != 0 {
                        let value = input[i], row = i * width
                        for j in 0..<width { out[j] += value * w[row + j] }
                    }
                    if l < weights.count - 1 {
                        for j in 0..<width where out[j] < 0 { out[j] = 0 }
                    }
                }
            }
            input = output
        }
        return input
    }

    /// The prediction for one vector: the probability of class 1 (binary), the value (regression), or the most likely
    /// class (multiclass; the lower id on a tie).
    public func predictValue(_ x: [Float]) -> Double {
        switch task {
        case .binary: LogisticRegression.sigmoid(score(x))
        case .regression: score(x)
        case .multiclass: Double(mostLikelyClass(predictProbabilities(x)))
        }
    }

    /// Class probabilities: `[P(0), P(1)]` (binary) or every class's (multiclass; a softmax of the outputs).
    public func predictProbabilities(_ x: [Float]) -> [Double] {
        precondition(task != .regression, "a regression perceptron has no class probabilities")
        if task == .multiclass { return Self.softmax(rawOutputs(x)[...]) }
        let p = predictValue(x)
        return [1 - p, p]
    }

    /// Predictions for `count` vectors stored row after row, one `sgemm` per layer: as ``predictValue(_:)`` gives them.
    public func predictBatch(_ rows: [Float], count: Int) -> [Double] {
        precondition(rows.count == count * inputs, "\(rows.count) values are not \(count) vectors of \(inputs)")
        if task == .multiclass {
            return predictProbabilitiesBatch(rows, count: count).map { Double(mostLikelyClass($0)) }
        }
        let raw = forward(rows, count: count).last!
        return raw.map { task == .binary ? LogisticRegression.sigmoid(Double($0)) : Double($0) }
    }

    /// Class probabilities for `count` vectors stored row after row, one `sgemm` per layer (classifiers only).
    public func predictProbabilitiesBatch(_ rows: [Float], count: Int) -> [[Double]] {
        precondition(task != .regression, "a regression perceptron has no class probabilities")
        guard task == .multiclass else { return predictBatch(rows, count: count).map { [1 - $0, $0] } }
        precondition(rows.count == count * inputs, "\(rows.count) values are not \(count) vectors of \(inputs)")
        let raw = forward(rows, count: count).last!, classes = classCount
        return (0..<count).map { Self.softmax(raw[($0 * classes)..<(($0 + 1) * classes)]) }
    }

    /// The softmax of raw outputs, in double precision (shifted by the largest, so no exponential overflows).
    static func softmax(_ raw: ArraySlice<Float>) -> [Double] {
        let largest = Double(raw.max() ?? 0)
        let exponentials = raw.map { exp(Double($0) - largest) }
        let total = exponentials.reduce(0, +)
        return exponentials.map { $0 / total }
    }

    /// Adds an example to the batch, and takes a step when the batch is full. Refused examples are counted.
    public mutating func learn(_ x: [Float], target: Double) {
        let validTarget = switch task {
        case .binary: target == 0 || target == 1
        case .regression: target.isFinite
        case .multiclass: target >= 0 && target < Double(classCount) && target.rounded() == target
        }
        guard validTarget, x.count == inputs, x.allSatisfy(\.isFinite), Float(target).isFinite else {
            examplesRefused += 1
            return
        }
        batchInputs.append(contentsOf: x)
        batchTargets.append(Float(target))
        examplesSeen += 1
        if batchTargets.count == batchSize { trainBatch() }
    }
}

extension MultilayerPerceptron: OnlineModel {}
