import Foundation
import LinearAlgebra

// MARK: - SoftmaxRegression

/// Multiclass logistic (softmax) regression over a fixed set of classes `0..<classCount`, learned online one example
/// at a time; river's `linear_model.SoftmaxRegression` (cross-entropy loss, one optimizer per class, SGD 0.01 by
/// default) with two differences: every class has a probability from the start (river answers only for classes it has
/// learned), and an optional intercept per class (river has none; `interceptLearningRate: 0` turns it off).
///
/// With scores `s_k = w_k·x + b_k` and `p = softmax(s)`, learning `(x, y)` moves class k's weights with the gradient
/// `(p_k − [k = y])·x_j + l2·w_kj` for each non-zero `x_j` through the ``Optimizer``, and its intercept by SGD.
public struct SoftmaxRegression: Sendable, Hashable {
    /// How many classes.
    public let classCount: Int
    /// The vector dimension.
    public let dimension: Int
    /// Class k's weights are `weights[k·dimension ..< (k+1)·dimension]`.
    public private(set) var weights: [Double]
    /// One intercept per class.
    public private(set) var intercepts: [Double]
    /// The weights' base learning rate.
    public private(set) var learningRate: Double
    /// The intercepts' learning rate (0: no intercept).
    public let interceptLearningRate: Double
    /// L2 strength on the weights.
    public let l2: Double
    /// The weights' update rule and accumulators.
    public private(set) var optimizerState: OptimizerState<Double>
    /// How many examples it has learned from.
    public private(set) var examplesSeen = 0
    /// Examples refused: a label outside `0..<classCount`, a wrong-length or non-finite vector.
    public private(set) var examplesRefused = 0

    /// An untrained model: zero weights, so every class starts equally likely.
    public init(
        classes: Int, dimension: Int, learningRate: Double = 0.01, interceptLearningRate: Double? = nil,
        optimizer: Optimizer = .sgd, l2: Double = 0
    ) {
        precondition(classes >= 2 && dimension > 0, "softmax regression needs two classes or more and a vector")
        precondition(learningRate > 0 && learningRate.isFinite && (interceptLearningRate ?? 0) >= 0 && l2 >= 0
                     && l2.isFinite && optimizer.isValid, "invalid softmax settings")
        classCount = classes
        self.dimension = dimension
        weights = Array(repeating: 0, count: classes * dimension)
        intercepts = Array(repeating: 0, count: classes)
        self.learningRate = learningRate
        self.interceptLearningRate = interceptLearningRate ?? learningRate
        self.l2 = l2
        optimizerState = OptimizerState(optimizer, count: classes * dimension)
    }

    /// Restores a saved model (``ModelBlob``); the caller checks the shapes.
    init(
        classes: Int, dimension: Int, weights: [Double], intercepts: [Double], learningRate: Double,
        interceptLearningRate: Double, l2: Double, optimizerState: OptimizerState<Double>, examplesSeen: Int
    ) {
        classCount = classes
        self.dimension = dimension
        self.weights = weights
        self.intercepts = intercepts
        self.learningRate = learningRate
        self.interceptLearningRate = interceptLearningRate
        self.l2 = l2
        self.optimizerState = optimizerState
        self.examplesSeen = examplesSeen
    }

    /// Sets the weights' base learning rate from the next example on, keeping weights and optimizer state (to
    /// fine-tune a copy).
    public mutating func setLearningRate(_ rate: Double) {
        precondition(rate > 0 && rate.isFinite, "invalid learning rate \(rate)")
        learningRate = rate
    }

    /// The probability of each class.
    public func predictProbabilities(_ x: [Float]) -> [Double] {
        precondition(x.count == dimension, "Expected a vector of \(dimension), got \(x.count).")
        var scores = intercepts
        weights.withUnsafeBufferPointer { w in
            for k in 0..<classCount {
                let row = k * dimension
                var total = scores[k]
                for j in 0..<dimension where x[j] != 0 { total += w[row + j] * Double(x[j]) }
                scores[k] = total
            }
        }
        return Self.softmax(scores)
    }

    /// The most likely class (the lowest index on a tie).
    public func predict(_ x: [Float]) -> Int {
        mostLikelyClass(predictProbabilities(x))
    }

    /// Probabilities for `count` vectors stored row after row: one `sgemm` for all scores.
    public func predictProbabilitiesBatch(_ rows: [Float], count: Int) -> [[Double]] {
        precondition(rows.count == count * dimension, "\(rows.count) values are not \(count) vectors of \(dimension)")
        var scores = [Float](repeating: 0, count: count * classCount)
        GEMM.multiply(rows, weights.map(Float.init), transposingB: true, into: &scores, m: count, n: classCount, k: dimension)
        return (0..<count).map { r in
            Self.softmax((0..<classCount).map { Double(scores[r * classCount + $0]) + intercepts[$0] })
        }
    }

    /// Learns one example; a label outside `0..<classCount` or a bad vector is refused and counted.
    public mutating func learn(_ x: [Float], label: Int) {
        guard (0..<classCount).contains(label), x.count == dimension, x.allSatisfy(\.isFinite) else {
            examplesRefused += 1
            return
        }
        let probabilities = predictProbabilities(x)
        let rate = learningRate * optimizerState.stepScale(atStep: examplesSeen)
        for k in 0..<classCount {
            let loss = probabilities[k] - (k == label ? 1 : 0)
            intercepts[k] -= interceptLearningRate * loss
            let row = k * dimension
            for j in 0..<dimension where x[j] != 0 {
                let g = loss * Double(x[j]) + l2 * weights[row + j]
                optimizerState.update(&weights[row + j], at: row + j, gradient: g, rate: rate)
            }
        }
        examplesSeen += 1
    }

    /// `exp(s_k − max s) / Σ exp(s_j − max s)`.
    static func softmax(_ scores: [Double]) -> [Double] {
        let top = scores.max() ?? 0
        let exps = scores.map { exp($0 - top) }
        let total = exps.reduce(0, +)
        return exps.map { $0 / total }
    }
}
