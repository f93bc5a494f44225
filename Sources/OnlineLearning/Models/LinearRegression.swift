// MARK: - LinearRegression

/// Linear regression learned online with plain SGD on the squared loss, as river's
/// `linear_model.LinearRegression()` with its defaults: weights and intercept start at 0, both learn at a constant
/// rate (0.01), no regularization.
///
/// With prediction `ŷ = w·x + b` and `g = 2(ŷ − y)` (river's `Squared` loss gradient), learning updates
/// `b -= interceptLearningRate · g` and `w -= learningRate · g · x`.
public struct LinearRegression: OnlineModel, Hashable, Codable {
    /// The weights, one per vector slot.
    public private(set) var weights: [Double]
    /// The intercept.
    public private(set) var intercept: Double
    /// The weights' learning rate. Default: 0.01.
    public var learningRate: Double
    /// The intercept's learning rate. Default: 0.01.
    public var interceptLearningRate: Double
    /// How many examples it has learned from.
    public private(set) var examplesSeen: Int
    /// How many examples it refused: a NaN or infinite target or vector value. Refused examples change nothing.
    public private(set) var examplesRefused: Int = 0

    /// Makes an untrained model for vectors of `dimension` slots.
    public init(dimension: Int, learningRate: Double = 0.01, interceptLearningRate: Double = 0.01) {
        precondition(dimension > 0, "A model needs at least one input, not \(dimension).")
        weights = Array(repeating: 0, count: dimension)
        intercept = 0
        self.learningRate = learningRate
        self.interceptLearningRate = interceptLearningRate
        examplesSeen = 0
    }

    /// The predicted value.
    public func predictValue(_ x: [Float]) -> Double {
        precondition(x.count == weights.count, "Expected a vector of \(weights.count), got \(x.count).")
        var total = intercept
        for index in weights.indices { total += weights[index] * Double(x[index]) }
        return total
    }

    /// Takes one SGD step on the example.
    public mutating func learn(_ x: [Float], target: Double) {
        guard target.isFinite, x.allSatisfy(\.isFinite) else {
            examplesRefused += 1
            return
        }
        let gradient = 2 * (predictValue(x) - target)
        intercept -= interceptLearningRate * gradient
        let step = learningRate * gradient
        for index in weights.indices where x[index] != 0 {
            weights[index] -= step * Double(x[index])
        }
        examplesSeen += 1
    }
}
