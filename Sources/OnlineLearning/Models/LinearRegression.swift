// MARK: - LinearRegression

/// Linear regression learned online with plain SGD on the squared loss, as river's
/// `linear_model.LinearRegression()` with its defaults: weights and intercept start at 0, both learn at a constant
/// rate (0.01), no regularization.
///
/// With prediction `ŷ = w·x + b` it takes an SGD step (``LinearWeights``) with river's `Squared` loss gradient
/// `g = 2(ŷ − y)`.
public struct LinearRegression: OnlineModel, LinearModel, Hashable, Codable {
    /// The weights, intercept and learning rates.
    public private(set) var linear: LinearWeights
    /// How many examples it has learned from.
    public private(set) var examplesSeen: Int
    /// How many examples it refused: a NaN or infinite target or vector value. Refused examples change nothing.
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

    /// The predicted value.
    public func predictValue(_ x: [Float]) -> Double {
        linear.score(x)
    }

    /// Takes one SGD step on the example (refusing non-finite targets or vectors, counted in ``examplesRefused``).
    public mutating func learn(_ x: [Float], target: Double) {
        guard target.isFinite, x.allSatisfy(\.isFinite) else {
            examplesRefused += 1
            return
        }
        linear.step(x, gradient: 2 * (linear.score(x) - target), t: examplesSeen)
        examplesSeen += 1
    }
}
