import Foundation

// MARK: - BinaryMetrics

/// Accuracy and log loss of binary probabilistic predictions, accumulated one at a time (multiclass answers are
/// scored too, by ``update(isCorrect:probabilityOfTrueClass:)``).
public struct BinaryMetrics: Sendable, Hashable, Codable {
    /// How many predictions were scored.
    public private(set) var count = 0
    /// How many were right (probability above one half for label 1, at most one half for label 0).
    public private(set) var correct = 0
    /// The sum of log losses, with probabilities clipped to [1e-15, 1 − 1e-15] as river's `metrics.LogLoss` does.
    public private(set) var totalLogLoss = 0.0

    /// Makes empty metrics.
    public init() {}

    /// Scores one prediction.
    /// - Parameters:
    ///   - label: the true class, 0 or 1.
    ///   - probability: the predicted probability of class 1.
    public mutating func update(label: Int, probability: Double) {
        count += 1
        if (probability > 0.5 ? 1 : 0) == label { correct += 1 }
        let p = min(max(probability, 1e-15), 1 - 1e-15)
        totalLogLoss -= label == 1 ? log(p) : log(1 - p)
    }

    /// Scores one answer of a classifier with any number of classes: whether its class was right, and the
    /// probability it gave the true class (log loss clipped as ``update(label:probability:)`` clips it).
    public mutating func update(isCorrect: Bool, probabilityOfTrueClass probability: Double) {
        count += 1
        if isCorrect { correct += 1 }
        totalLogLoss -= log(min(max(probability, 1e-15), 1 - 1e-15))
    }

    /// The share of right predictions (0 before any).
    public var accuracy: Double { count > 0 ? Double(correct) / Double(count) : 0 }

    /// The mean log loss (0 before any).
    public var logLoss: Double { count > 0 ? totalLogLoss / Double(count) : 0 }
}
