import Foundation

// MARK: - FTRLProximal

/// Logistic regression learned by FTRL-Proximal (McMahan et al. 2013, "Ad click prediction: a view from the
/// trenches", algorithm 1): per-coordinate learning rates α / (β + √n_i), L1 and L2 regularization, weights computed
/// lazily from the accumulated `z` and `n` of each coordinate. An intercept coordinate (constant 1) comes last, as
/// Vowpal Wabbit's constant feature; `vw --ftrl` with the same α, β, L1, L2 on the same vectors learns the same
/// model (the tests compare progressive log loss).
///
/// Coordinate i's weight is 0 when |z_i| ≤ λ1, otherwise −(z_i − sign(z_i)·λ1) / ((β + √n_i)/α + λ2). Learning
/// `(x, y)` with p = σ(w·x): g_i = (p − y)·x_i, σ_i = (√(n_i + g_i²) − √n_i)/α, z_i += g_i − σ_i·w_i, n_i += g_i².
/// Zero entries of x change nothing, so sparse (hashed) vectors cost only their non-zeros.
public struct FTRLProximal: Sendable, Hashable, Codable {
    /// Learning-rate scale α. Default: 0.1.
    public let alpha: Double
    /// Learning-rate offset β. Default: 1.
    public let beta: Double
    /// L1 strength. Default: 0.
    public let l1: Double
    /// L2 strength. Default: 0.
    public let l2: Double
    private var z: [Double]
    private var n: [Double]
    /// How many examples it has learned from.
    public private(set) var examplesSeen = 0
    /// Examples refused: a label other than 0 or 1, or a non-finite vector value.
    public private(set) var examplesRefused = 0

    /// An untrained model for vectors of `dimension` slots (plus the intercept).
    public init(dimension: Int, alpha: Double = 0.1, beta: Double = 1, l1: Double = 0, l2: Double = 0) {
        precondition(dimension > 0 && alpha > 0 && beta >= 0 && l1 >= 0 && l2 >= 0, "invalid FTRL settings")
        self.alpha = alpha
        self.beta = beta
        self.l1 = l1
        self.l2 = l2
        z = Array(repeating: 0, count: dimension + 1)
        n = Array(repeating: 0, count: dimension + 1)
    }

    /// Restores a saved model (``ModelBlob``).
    init(alpha: Double, beta: Double, l1: Double, l2: Double, z: [Double], n: [Double], examplesSeen: Int) {
        self.alpha = alpha
        self.beta = beta
        self.l1 = l1
        self.l2 = l2
        self.z = z
        self.n = n
        self.examplesSeen = examplesSeen
    }

    /// The per-coordinate accumulators (for saving).
    var state: (z: [Double], n: [Double]) { (z, n) }

    /// The weights, one per vector slot (the intercept excluded).
    public var weights: [Double] { (0..<(z.count - 1)).map(weight) }

    /// Coordinate `i`'s current weight (the last is the intercept).
    public func weight(_ i: Int) -> Double {
        let zi = z[i]
        guard abs(zi) > l1 else { return 0 }
        return -(zi - (zi < 0 ? -l1 : l1)) / ((beta + n[i].squareRoot()) / alpha + l2)
    }

    /// The raw score w·x + w₀.
    public func score(_ x: [Float]) -> Double {
        precondition(x.count + 1 == z.count, "Expected a vector of \(z.count - 1), got \(x.count).")
        var total = weight(x.count)
        for i in x.indices where x[i] != 0 { total += weight(i) * Double(x[i]) }
        return total
    }

    /// The probability that the label is 1.
    public func predictProbability(_ x: [Float]) -> Double {
        LogisticRegression.sigmoid(score(x))
    }

    /// Learns one example (label 0 or 1); anything else, or a non-finite value, is refused and counted.
    public mutating func learn(_ x: [Float], label: Int) {
        guard label == 0 || label == 1, x.count + 1 == z.count, x.allSatisfy(\.isFinite) else {
            examplesRefused += 1
            return
        }
        let gradient = predictProbability(x) - Double(label)
        update(x.count, gradient: gradient)
        for i in x.indices where x[i] != 0 { update(i, gradient: gradient * Double(x[i])) }
        examplesSeen += 1
    }

    private mutating func update(_ i: Int, gradient g: Double) {
        let w = weight(i)
        let sigma = ((n[i] + g * g).squareRoot() - n[i].squareRoot()) / alpha
        z[i] += g - sigma * w
        n[i] += g * g
    }
}
