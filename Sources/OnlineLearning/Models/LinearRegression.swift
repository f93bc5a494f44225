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
    public init(dimension: Int, learningRate: Double = 0.01, interceptLearningRate: Double = 0.01) {
        linear = LinearWeights(dimension: dimension, learningRate: learningRate, interceptLearningRate: interceptLearningRate)
        examplesSeen = 0
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
