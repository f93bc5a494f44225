// MARK: - LinearRegression

/// Linear regression learned online with plain SGD on the squared loss, as river's
/// `linear_model.LinearRegression()` with its defaults: weights and intercept start at 0, both learn at a constant
/// rate (0.01), no regularization.
///
/// With prediction `ŷ = w·x + b` it takes an SGD step (``LinearWeights``) with river's `Squared` loss gradient
/// `g = 2(ŷ − y)`.
public struct LinearRegression: OnlineModel, Hashable, Codable {
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
        precondition(decayPower >= 0 && decayPower.isFinite, "decayPower must be finite and not negative, not \(decayPower).")
        linear = LinearWeights(
            dimension: dimension, learningRate: learningRate, interceptLearningRate: interceptLearningRate ?? learningRate)
        linear.decayPower = decayPower
        linear.setOptimizer(optimizer, l1: l1, l2: l2)
        examplesSeen = 0
    }

    /// Restores a saved model (``ModelBlob``).
    init(
        weights: [Double], intercept: Double, learningRate: Double, interceptLearningRate: Double, decayPower: Double,
        examplesSeen: Int
    ) {
        linear = LinearWeights(
            weights: weights, intercept: intercept, learningRate: learningRate, interceptLearningRate: interceptLearningRate)
        linear.decayPower = decayPower
        self.examplesSeen = examplesSeen
    }

    /// The weights' learning rate.
    public var learningRate: Double { linear.learningRate }
    /// The intercept's learning rate.
    public var interceptLearningRate: Double { linear.interceptLearningRate }
    /// The learning-rate schedule's power; 0 (the default) keeps the rates constant.
    public var decayPower: Double { linear.decayPower }
    /// The weights' update rule.
    public var optimizer: Optimizer { linear.optimizerState.optimizer }

    /// Switches the weights' update rule (fresh accumulators) and regularization, keeping the weights.
    public mutating func setOptimizer(_ optimizer: Optimizer, l1: Double = 0, l2: Double = 0) {
        linear.setOptimizer(optimizer, l1: l1, l2: l2)
    }

    /// Restores saved optimizer state (``ModelBlob``).
    mutating func restoreOptimizer(_ state: OptimizerState<Double>, l1: Double, l2: Double) {
        linear.restoreOptimizer(state, l1: l1, l2: l2)
    }

    /// Sets the weights' and intercept's learning rates (for a copy fine-tuned with other settings).
    public mutating func setLearningRate(_ rate: Double, decayPower: Double = 0) {
        linear.setRate(rate, decayPower: decayPower)
    }

    /// The weights, one per vector slot.
    public var weights: [Double] { linear.weights }
    /// The intercept.
    public var intercept: Double { linear.intercept }

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
