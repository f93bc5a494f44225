import Foundation

// MARK: - MulticlassMetrics

/// What `flywheel eval` reports for a multiclass stream: accuracy of the most likely class, log loss of the true
/// class's probability (clamped to [1e-15, 1 − 1e-15], as river and scikit-learn do), macro F1, and accuracy over the
/// last 1,000 requests.
public struct MulticlassMetrics: Sendable, Hashable {
    /// How many predictions were scored.
    public private(set) var count = 0
    /// How many were right.
    public private(set) var correct = 0
    /// The summed log loss.
    public private(set) var totalLogLoss = 0.0
    /// Counts by true and predicted class.
    public private(set) var confusion: ConfusionMatrix
    /// Accuracy over the last 1,000 requests.
    public private(set) var recentAccuracy = RollingAccuracy(window: 1000)
    /// Accuracy with fading factor 0.999.
    public private(set) var fadingAccuracy = FadingAccuracy(factor: 0.999)

    /// Empty metrics for `classes` classes.
    public init(classes: Int) {
        confusion = ConfusionMatrix(classes: classes)
    }

    /// Scores class probabilities against the true class.
    public mutating func update(label: Int, probabilities: [Double]) {
        let predicted = mostLikelyClass(probabilities)
        let p = probabilities.indices.contains(label) ? probabilities[label] : 0
        count += 1
        correct += predicted == label ? 1 : 0
        totalLogLoss -= log(min(max(p, 1e-15), 1 - 1e-15))
        confusion.update(label: label, predicted: predicted)
        recentAccuracy.update(isCorrect: predicted == label)
        fadingAccuracy.update(isCorrect: predicted == label)
    }

    /// The share of right answers.
    public var accuracy: Double { count > 0 ? Double(correct) / Double(count) : 0 }
    /// The mean log loss.
    public var logLoss: Double { count > 0 ? totalLogLoss / Double(count) : 0 }
}
