// MARK: - BinaryEvaluationMetrics

/// Everything `flywheel eval` reports for a binary stream: accuracy and log loss, macro F1, ROC AUC, and accuracy
/// over the last 1,000 requests and with fading factor 0.999 (where the model stands after the last drift).
///
/// - Important: keeps every score for the ROC AUC (8 bytes a request); for evaluation runs, not long-lived services.
public struct BinaryEvaluationMetrics: PrequentialMetrics {
    /// Accuracy and log loss over the whole stream.
    public private(set) var overall = BinaryMetrics()
    /// Counts by true and predicted class.
    public private(set) var confusion = ConfusionMatrix()
    /// ROC AUC over the whole stream.
    public private(set) var rocAUC = ROCAUC()
    /// Accuracy over the last 1,000 requests.
    public private(set) var recentAccuracy = RollingAccuracy(window: 1000)
    /// Accuracy with fading factor 0.999.
    public private(set) var fadingAccuracy = FadingAccuracy(factor: 0.999)

    /// Makes empty metrics.
    public init() {}

    /// How many predictions were scored.
    public var count: Int { overall.count }

    /// Scores a probability of class 1 against a 0/1 target.
    public mutating func update(target: Double, prediction: Double) {
        let label = target == 1 ? 1 : 0
        let predicted = prediction > 0.5 ? 1 : 0
        overall.update(label: label, probability: prediction)
        confusion.update(label: label, predicted: predicted)
        rocAUC.update(label: label, score: prediction)
        recentAccuracy.update(isCorrect: predicted == label)
        fadingAccuracy.update(isCorrect: predicted == label)
    }
}
