import Foundation

// MARK: - LinearWeights

/// The weights and intercept of a linear model, with the plain SGD step that logistic and linear regression share.
///
/// A step with loss gradient `g` (with respect to the raw score) updates `b -= interceptLearningRate · g` and
/// `w -= learningRate · g · x`, as river's linear models do with `optim.SGD`. A positive ``decayPower`` scales both
/// rates at step `t` (from 0) by `1 / (1 + t)^decayPower` (scikit-learn's "invscaling" schedule): a model that
/// settles on a stationary stream, and adapts more slowly after a drift.
public struct LinearWeights: Sendable, Hashable, Codable {
    /// The weights, one per vector slot.
    public private(set) var weights: [Double]
    /// The intercept.
    public private(set) var intercept: Double
    /// The weights' learning rate.
    public var learningRate: Double
    /// The intercept's learning rate.
    public var interceptLearningRate: Double
    /// The schedule's power: 0 for constant rates.
    public var decayPower: Double = 0
    /// The weights' update rule and its per-coordinate accumulators (the intercept always takes plain SGD steps at
    /// its own rate, as in river's linear models).
    public private(set) var optimizerState: OptimizerState<Double>
    /// L1 strength: after each step a moved weight shrinks towards 0 by `rate · l1`, stopping at 0 (truncated
    /// gradient, Langford et al. 2009).
    public private(set) var l1: Double = 0
    /// L2 strength: `l2 · w` is added to each moved weight's gradient (river's `l2`).
    public private(set) var l2: Double = 0

    /// Zero weights for vectors of `dimension` slots.
    init(dimension: Int, learningRate: Double, interceptLearningRate: Double) {
        precondition(dimension > 0, "A model needs at least one input, not \(dimension).")
        self.init(
            weights: Array(repeating: 0, count: dimension), intercept: 0, learningRate: learningRate,
            interceptLearningRate: interceptLearningRate)
    }

    /// Fresh weights with their rates, schedule, update rule and regularization (the models' public initializers).
    init(
        dimension: Int, learningRate: Double, interceptLearningRate: Double, decayPower: Double, optimizer: Optimizer,
        l1: Double, l2: Double
    ) {
        precondition(decayPower >= 0 && decayPower.isFinite, "decayPower must be finite and not negative, not \(decayPower).")
        self.init(dimension: dimension, learningRate: learningRate, interceptLearningRate: interceptLearningRate)
        self.decayPower = decayPower
        setOptimizer(optimizer, l1: l1, l2: l2)
    }

    /// Restores saved weights.
    init(weights: [Double], intercept: Double, learningRate: Double, interceptLearningRate: Double) {
        self.weights = weights
        self.intercept = intercept
        self.learningRate = learningRate
        self.interceptLearningRate = interceptLearningRate
        optimizerState = OptimizerState(.sgd, count: weights.count)
    }

    /// Sets the update rule (fresh accumulators) and regularization.
    mutating func setOptimizer(_ optimizer: Optimizer, l1: Double, l2: Double) {
        precondition(optimizer.isValid && l1 >= 0 && l2 >= 0 && l1.isFinite && l2.isFinite, "invalid optimizer settings")
        optimizerState = OptimizerState(optimizer, count: weights.count)
        self.l1 = l1
        self.l2 = l2
    }

    /// Restores a saved update rule with its accumulators (the blob reader checks they fit the weights).
    mutating func restoreOptimizer(_ state: OptimizerState<Double>, l1: Double, l2: Double) {
        optimizerState = state
        self.l1 = l1
        self.l2 = l2
    }

    /// `w·x + b`, summed in four interleaved partial sums (so the additions overlap instead of waiting on each
    /// other: hashed vectors have hundreds of slots).
    func score(_ x: [Float]) -> Double {
        precondition(x.count == weights.count, "Expected a vector of \(weights.count), got \(x.count).")
        return weights.withUnsafeBufferPointer { w in
            x.withUnsafeBufferPointer { x in
                var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
                let count = w.count, whole = count & ~3
                var i = 0
                while i < whole {
                    s0 += w[i] * Double(x[i])
                    s1 += w[i + 1] * Double(x[i + 1])
                    s2 += w[i + 2] * Double(x[i + 2])
                    s3 += w[i + 3] * Double(x[i + 3])
                    i += 4
                }
                while i < count {
                    s0 += w[i] * Double(x[i])
                    i += 1
                }
                return intercept + ((s0 + s1) + (s2 + s3))
            }
        }
    }

    /// Sets both rates and the schedule (for a copy fine-tuned with other settings).
    mutating func setRate(_ rate: Double, decayPower: Double) {
        precondition(rate > 0 && rate.isFinite && decayPower >= 0 && decayPower.isFinite, "invalid learning rate \(rate) or power \(decayPower)")
        learningRate = rate
        interceptLearningRate = rate
        self.decayPower = decayPower
    }

    /// The factor the schedule applies to both rates at step `t`.
    public func rateScale(atStep t: Int) -> Double {
        decayPower == 0 ? 1 : 1 / pow(1 + Double(t), decayPower)
    }

    /// One step for a loss whose gradient with respect to the score is `gradient`; `t` is the step's number (the
    /// examples learned before it), for the schedule and Adam's bias correction.
    mutating func step(_ x: [Float], gradient: Double, t: Int) {
        let rateScale = rateScale(atStep: t)
        intercept -= interceptLearningRate * rateScale * gradient
        if case .sgd = optimizerState.optimizer, l1 == 0, l2 == 0, (learningRate * rateScale * gradient).isFinite {
            // Every slot, zeros included (w − s·0 = w exactly), so the loop has no branch and vectorizes.
            let scaled = learningRate * rateScale * gradient
            weights.withUnsafeMutableBufferPointer { w in
                x.withUnsafeBufferPointer { x in
                    for index in 0..<w.count { w[index] -= scaled * Double(x[index]) }
                }
            }
            return
        }
        let rate = learningRate * rateScale * optimizerState.stepScale(atStep: t)
        for index in weights.indices where x[index] != 0 {
            let g = gradient * Double(x[index]) + l2 * weights[index]
            optimizerState.update(&weights[index], at: index, gradient: g, rate: rate)
            if l1 > 0 {
                let shrunk = abs(weights[index]) - rate * l1
                weights[index] = shrunk > 0 ? (weights[index] < 0 ? -shrunk : shrunk) : 0
            }
        }
    }
}

// MARK: - LinearModel

/// A model whose parameters are one ``LinearWeights`` (logistic and linear regression): the accessors they share.
public protocol LinearModel {
    /// The weights, intercept, rates and update rule.
    var linear: LinearWeights { get }
}

extension LinearModel {
    /// The weights, one per vector slot.
    public var weights: [Double] { linear.weights }
    /// The intercept.
    public var intercept: Double { linear.intercept }
    /// The weights' learning rate.
    public var learningRate: Double { linear.learningRate }
    /// The intercept's learning rate (default: the weights' rate).
    public var interceptLearningRate: Double { linear.interceptLearningRate }
    /// The learning-rate schedule's power; 0 (the default) keeps the rates constant.
    public var decayPower: Double { linear.decayPower }
    /// The weights' update rule.
    public var optimizer: Optimizer { linear.optimizerState.optimizer }
}
