import Foundation

// MARK: - LogisticRegression

/// Binary logistic regression learned online with plain SGD, as river's `linear_model.LogisticRegression()` with its
/// defaults: weights and intercept start at 0, both learn at a constant rate (0.01), no regularization. A positive
/// `decayPower` makes the rates decay as `1 / (1 + t)^decayPower` (see ``LinearWeights``).
///
/// Learning from `(x, y)` with raw score `s = w·x + b` takes an SGD step (``LinearWeights``) with the log loss
/// gradient `g = σ(s) − y`.
public struct LogisticRegression: LinearModel, Sendable, Hashable, Codable {
    /// The weights, intercept and learning rates.
    public private(set) var linear: LinearWeights
    /// How many examples it has learned from.
    public private(set) var examplesSeen: Int
    /// How many examples it refused: a target other than 0 or 1, or a vector with a NaN or infinite value. Refused
    /// examples change nothing, so no weight can become NaN.
    public private(set) var examplesRefused: Int = 0

    /// Makes an untrained model for vectors of `dimension` slots.
    /// - Parameters:
    ///   - optimizer: the weights' update rule (``Optimizer``); the intercept always takes SGD steps.
    ///   - l1: L1 strength (truncated gradient); 0 by default.
    ///   - l2: L2 strength; 0 by default.
    public init(
        dimension: Int, learningRate: Double = 0.01, interceptLearningRate: Double? = nil, decayPower: Double = 0,
        optimizer: Optimizer = .sgd, l1: Double = 0, l2: Double = 0
    ) {
        linear = LinearWeights(
            dimension: dimension, learningRate: learningRate, interceptLearningRate: interceptLearningRate ?? learningRate,
            decayPower: decayPower, optimizer: optimizer, l1: l1, l2: l2)
        examplesSeen = 0
    }

    /// Restores a saved model (``ModelBlob``).
    init(linear: LinearWeights, examplesSeen: Int) {
        self.linear = linear
        self.examplesSeen = examplesSeen
    }

    /// Switches the weights' update rule (fresh accumulators) and regularization, keeping the weights.
    public mutating func setOptimizer(_ optimizer: Optimizer, l1: Double = 0, l2: Double = 0) {
        linear.setOptimizer(optimizer, l1: l1, l2: l2)
    }

    /// Sets the weights' and intercept's learning rates (for a copy fine-tuned with other settings).
    public mutating func setLearningRate(_ rate: Double, decayPower: Double = 0) {
        linear.setRate(rate, decayPower: decayPower)
    }

    /// The probability that the label is 1.
    public func predictProbability(_ x: [Float]) -> Double {
        Self.sigmoid(linear.score(x))
    }

    /// The more likely class: 1 when the probability is above one half.
    public func predict(_ x: [Float]) -> Int {
        predictProbability(x) > 0.5 ? 1 : 0
    }

    /// Takes one SGD step on the example.
    /// - Parameters:
    ///   - x: the feature vector.
    ///   - label: 0 or 1.
    ///   A label other than 0 or 1, or a vector with a NaN or infinite value, is refused and counted in
    ///   ``examplesRefused`` instead (labels and features are user data: no trap, no NaN weight).
    public mutating func learn(_ x: [Float], label: Int) {
        guard label == 0 || label == 1, x.allSatisfy(\.isFinite) else {
            examplesRefused += 1
            return
        }
        linear.step(x, gradient: Self.sigmoid(linear.score(x)) - Double(label), t: examplesSeen)
        examplesSeen += 1
    }

    /// The logistic function, computed without overflow for large |s|.
    static func sigmoid(_ s: Double) -> Double {
        s >= 0 ? 1 / (1 + exp(-s)) : exp(s) / (1 + exp(s))
    }
}
