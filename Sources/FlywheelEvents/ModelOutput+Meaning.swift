// MARK: - ModelOutput + Meaning

/// What an answer means, defined once for every reader (the scoreboard, the drift monitor, the promoter): which
/// class was served, which class a label names, and the losses the loop scores a model by.
extension ModelOutput {
    /// Whether the answer and every probability are finite numbers (what JSON can carry).
    public var isFinite: Bool { answer.isFinite && (probabilities?.allSatisfy(\.isFinite) ?? true) }

    /// Whether the answer came from a classifier (it carries class probabilities).
    public var isClassifier: Bool { probabilities != nil }

    /// The class served, for classifiers: class 1 when its probability is above one half (two classes), else the most
    /// probable class (the lower id on a tie), as the inference engine decides it; `nil` for a regressor's value.
    public var servedClass: Int? {
        guard let probabilities else { return nil }
        if probabilities.count == 2 { return probabilities[1] > 0.5 ? 1 : 0 }
        guard var best = probabilities.indices.first else { return nil }
        for index in probabilities.indices where probabilities[index] > probabilities[best] { best = index }
        return best
    }

    /// The probability the answer gave class 1 (two classes), the class served (more classes), or the value itself
    /// for a regressor: what the drift monitor tracks as `(prediction)`.
    public var score: Double {
        guard let probabilities, probabilities.count > 2 else { return probabilities?.last ?? answer }
        return Double(servedClass ?? 0)
    }

    /// The probability the answer gave the label's class (0 for a label that names no class it knows); `nil` for a
    /// regressor.
    public func probability(ofLabel label: Double) -> Double? {
        guard let probabilities else { return nil }
        let labelClass = labelClass(label)
        return probabilities.indices.contains(labelClass) ? probabilities[labelClass] : 0
    }

    /// The class a label names for this output: with two classes, 1 only for a label of exactly 1 (anything else is
    /// class 0, as river scores binary streams); with more, the label's integer value.
    public func labelClass(_ label: Double) -> Int {
        guard let probabilities, probabilities.count > 2 else { return label == 1 ? 1 : 0 }
        return Int(exactly: label) ?? -1
    }

    /// Whether a classifier served the label's class (always false for a regressor).
    public func isCorrect(label: Double) -> Bool {
        guard let servedClass else { return false }
        return servedClass == labelClass(label)
    }

    /// The loss the loop compares models by: 0 for the right class and 1 for a wrong one (classifiers), the absolute
    /// error (regressors). Drift detectors watch it; the promotion rule pairs it across models.
    public func loss(label: Double) -> Double {
        isClassifier ? (isCorrect(label: label) ? 0 : 1) : abs(answer - label)
    }
}
