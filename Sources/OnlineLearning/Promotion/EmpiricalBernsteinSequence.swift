import Foundation

// MARK: - EmpiricalBernsteinSequence

/// A confidence sequence for the mean of values in [−1, 1]: bounds that hold at every step at once with probability
/// at least 1 − α, so they may be watched continuously. The predictable plug-in empirical-Bernstein sequence
/// (PrPl-EB, Waudby-Smith & Ramdas 2023, Theorem 2), on `y = (x + 1) / 2` ∈ [0, 1]:
///
///     center_t = Σ λ_i y_i / Σ λ_i
///     width_t  = (log(2/α) + Σ v_i ψ(λ_i)) / Σ λ_i,   v_i = 4 (y_i − ŷ_{i−1})²,   ψ(λ) = (−log(1 − λ) − λ) / 4
///     λ_i      = min(√(2 log(2/α) / (σ̂²_{i−1} · i · log(1 + i))), 1/2)
///
/// and the running intersection of the intervals (still valid, never wider). Costs O(1) per value; the promotion
/// evidence reports it next to the betting test's e-value.
public struct EmpiricalBernsteinSequence: Sendable, Hashable, Codable {
    /// The level: the bounds hold at all times with probability at least 1 − alpha.
    public let alpha: Double
    /// Values seen.
    public private(set) var count = 0
    private var lambdaSum = 0.0, weightedSum = 0.0, penalty = 0.0
    private var mean = 0.5, varianceSum = 0.25
    private var lowest = 0.0, highest = 1.0

    /// An empty sequence at level `alpha`.
    public init(alpha: Double) {
        precondition(alpha > 0 && alpha < 1, "alpha must be in (0, 1), not \(alpha).")
        self.alpha = alpha
    }

    /// Takes one value in [−1, 1] (clamped).
    public mutating func update(_ value: Double) {
        let y = (min(max(value.isFinite ? value : 0, -1), 1) + 1) / 2
        let i = Double(count + 1)
        let logTerm = log(2 / alpha)
        let variance = varianceSum / i
        let lambda = min((2 * logTerm / (max(variance, 1e-8) * i * log(1 + i))).squareRoot(), 0.5)
        let v = 4 * (y - mean) * (y - mean)
        let psi = (-log1p(-lambda) - lambda) / 4
        lambdaSum += lambda
        weightedSum += lambda * y
        penalty += v * psi
        count += 1
        // Estimates for the next step (σ̂² and ŷ with the sequence's regularized start: 1/4 and 1/2).
        mean = (mean * i + y) / (i + 1)
        varianceSum += (y - mean) * (y - mean)
        let center = weightedSum / lambdaSum
        let width = (logTerm + penalty) / lambdaSum
        lowest = max(lowest, center - width)
        highest = min(highest, center + width)
    }

    /// The lower bound of the mean, in [−1, 1].
    public var lower: Double { 2 * min(lowest, highest) - 1 }
    /// The upper bound of the mean, in [−1, 1].
    public var upper: Double { 2 * max(highest, lowest) - 1 }
}
