import Foundation
import LinearAlgebra

// MARK: - Optimizer

/// How a model turns a gradient into a weight change, coordinate by coordinate. The base learning rate lives with the
/// model; these are the rules (as river's `optim` module defines them, so the tests can compare number for number):
///
/// - ``sgd``: `w -= η·g` (with the model's schedule, see ``LinearWeights``).
/// - ``adaGrad(epsilon:)``: `G += g²; w -= η / √(G + ε) · g` (Duchi et al. 2011; river's `optim.AdaGrad`).
/// - ``adam(beta1:beta2:epsilon:)``: `m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²;
///   w -= η·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε)` (Kingma & Ba 2015; river's `optim.Adam`, t counted per example).
///
/// Only coordinates with a non-zero input move (an absent feature has no gradient), as in river's dict-based
/// optimizers and Vowpal Wabbit.
public enum Optimizer: Sendable, Hashable, Codable {
    /// Plain stochastic gradient descent.
    case sgd
    /// AdaGrad: a per-coordinate rate shrinking with the coordinate's accumulated squared gradient.
    case adaGrad(epsilon: Double = 1e-8)
    /// Adam: bias-corrected first and second moments.
    case adam(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8)

    /// River's defaults: `optim.AdaGrad()`.
    public static let adaGradDefault = Optimizer.adaGrad()
    /// River's defaults: `optim.Adam()`.
    public static let adamDefault = Optimizer.adam()

    /// The rule's name as flags and reports spell it.
    public var name: String {
        switch self {
        case .sgd: "sgd"
        case .adaGrad: "adagrad"
        case .adam: "adam"
        }
    }

    /// Whether the settings are usable (finite, ε > 0, 0 ≤ β < 1).
    public var isValid: Bool {
        switch self {
        case .sgd: true
        case .adaGrad(let epsilon): epsilon.isFinite && epsilon > 0
        case .adam(let beta1, let beta2, let epsilon):
            epsilon.isFinite && epsilon > 0 && (0..<1).contains(beta1) && (0..<1).contains(beta2)
        }
    }

    /// How many per-coordinate accumulators the rule keeps: 0 (SGD), 1 (AdaGrad's G), 2 (Adam's m and v).
    var accumulatorCount: Int {
        switch self {
        case .sgd: 0
        case .adaGrad: 1
        case .adam: 2
        }
    }
}

// MARK: - OptimizerState

/// The per-coordinate accumulators of an ``Optimizer`` over `count` weights, generic over the weights' precision
/// (linear models keep `Double`s, the perceptron `Float`s).
public struct OptimizerState<Scalar: BinaryFloatingPoint & Sendable & Codable & Hashable>: Sendable, Hashable, Codable {
    /// The rule.
    public let optimizer: Optimizer
    /// AdaGrad's G or Adam's m, one per weight (empty for SGD).
    public private(set) var first: [Scalar]
    /// Adam's v, one per weight (empty otherwise).
    public private(set) var second: [Scalar]

    /// Fresh accumulators for `count` weights.
    public init(_ optimizer: Optimizer, count: Int) {
        self.optimizer = optimizer
        first = optimizer.accumulatorCount >= 1 ? Array(repeating: 0, count: count) : []
        second = optimizer.accumulatorCount >= 2 ? Array(repeating: 0, count: count) : []
    }

    /// The rule alone, with no accumulators (what a serving blob keeps).
    public var rule: OptimizerState { OptimizerState(optimizer, count: 0) }

    /// Restores saved accumulators; nil when their counts do not fit the rule and `count`.
    init?(_ optimizer: Optimizer, count: Int, first: [Scalar], second: [Scalar]) {
        guard first.count == (optimizer.accumulatorCount >= 1 ? count : 0),
            second.count == (optimizer.accumulatorCount >= 2 ? count : 0)
        else { return nil }
        self.optimizer = optimizer
        self.first = first
        self.second = second
    }

    /// The factor Adam applies to the base rate at step `t` (from 0): `√(1−β₂^(t+1)) / (1−β₁^(t+1))`; 1 otherwise.
    public func stepScale(atStep t: Int) -> Scalar {
        guard case .adam(let beta1, let beta2, _) = optimizer else { return 1 }
        let n = Double(t + 1)
        return Scalar((1 - pow(beta2, n)).squareRoot() / (1 - pow(beta1, n)))
    }

    /// Applies gradient `g` to weight `i` with base rate `rate` (already scaled by ``stepScale(atStep:)`` for Adam).
    @inline(__always)
    public mutating func update(_ weight: inout Scalar, at i: Int, gradient g: Scalar, rate: Scalar) {
        switch optimizer {
        case .sgd:
            weight -= rate * g
        case .adaGrad(let epsilon):
            first[i] += g * g
            weight -= rate / (first[i] + Scalar(epsilon)).squareRoot() * g
        case .adam(let beta1, let beta2, let epsilon):
            first[i] = Scalar(beta1) * first[i] + Scalar(1 - beta1) * g
            second[i] = Scalar(beta2) * second[i] + Scalar(1 - beta2) * g * g
            weight -= rate * first[i] / (second[i].squareRoot() + Scalar(epsilon))
        }
    }

    /// Applies a dense gradient to every weight (the perceptron's minibatch step); one loop per rule, so the rule is
    /// not re-decided per weight.
    public mutating func update(_ weights: inout [Scalar], gradient: [Scalar], rate: Scalar) {
        precondition(weights.count == gradient.count, "\(weights.count) weights, \(gradient.count) gradients")
        if case .adam(let beta1, let beta2, let epsilon) = optimizer, Scalar.self == Float.self {
            // The common case of the perceptron, in a vectorized C loop.
            weights.withUnsafeMutableBufferPointer { w in
                gradient.withUnsafeBufferPointer { g in
                    first.withUnsafeMutableBufferPointer { m in
                        second.withUnsafeMutableBufferPointer { v in
                            VectorOperations.adam(
                                UnsafeMutableRawBufferPointer(w).bindMemory(to: Float.self),
                                gradient: UnsafeRawBufferPointer(g).bindMemory(to: Float.self),
                                first: UnsafeMutableRawBufferPointer(m).bindMemory(to: Float.self),
                                second: UnsafeMutableRawBufferPointer(v).bindMemory(to: Float.self),
                                rate: Float(rate), beta1: Float(beta1), beta2: Float(beta2), epsilon: Float(epsilon))
                        }
                    }
                }
            }
            return
        }
        weights.withUnsafeMutableBufferPointer { w in
            gradient.withUnsafeBufferPointer { g in
                for i in 0..<w.count { update(&w[i], at: i, gradient: g[i], rate: rate) }
            }
        }
    }
}
