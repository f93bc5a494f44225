// MARK: - OnlineModel

/// A model that predicts from a feature vector and learns one example at a time.
public protocol OnlineModel: Sendable {
    /// The model's output: the probability of class 1 for a binary classifier, the predicted value for a regressor.
    func predictValue(_ x: [Float]) -> Double
    /// Learns one example; `target` is 0 or 1 for a binary classifier, the true value for a regressor. An example a
    /// model cannot use (a target outside its classes, a non-finite value) is refused and counted, never learned.
    mutating func learn(_ x: [Float], target: Double)
    /// How many examples it has learned from.
    var examplesSeen: Int { get }
}

// MARK: - MulticlassModel

/// A model that answers every class's probability and learns class ids: softmax regression, a multiclass perceptron.
public protocol MulticlassModel: Sendable {
    /// How many classes it tells apart (labels `0..<classCount`).
    var classCount: Int { get }
    /// The probability of each class for a vector.
    func predictProbabilities(_ x: [Float]) -> [Double]
    /// Learns one example; a label outside `0..<classCount` or a bad vector is refused and counted.
    mutating func learn(_ x: [Float], label: Int)
}

extension SoftmaxRegression: MulticlassModel {}

extension MultilayerPerceptron: MulticlassModel {
    /// Learns a class id (a multiclass perceptron; any other refuses it through ``learn(_:target:)``'s checks).
    public mutating func learn(_ x: [Float], label: Int) {
        learn(x, target: Double(label))
    }
}

// MARK: - PrequentialMetrics

/// Metrics that score one prediction at a time.
public protocol PrequentialMetrics: Sendable {
    /// Empty metrics.
    init()
    /// Scores one prediction (the model's ``OnlineModel/predictValue(_:)``) against the true target.
    mutating func update(target: Double, prediction: Double)
    /// How many predictions were scored.
    var count: Int { get }
}

extension LogisticRegression: OnlineModel {
    /// The probability of class 1.
    public func predictValue(_ x: [Float]) -> Double { predictProbability(x) }

    /// Learns a 0/1 target; any other target is refused (``LogisticRegression/examplesRefused``).
    public mutating func learn(_ x: [Float], target: Double) {
        learn(x, label: target == 1 ? 1 : target == 0 ? 0 : -1)
    }
}

extension FTRLProximal: OnlineModel {
    /// The probability of class 1.
    public func predictValue(_ x: [Float]) -> Double { predictProbability(x) }

    /// Learns a 0/1 target; any other target is refused (``FTRLProximal/examplesRefused``).
    public mutating func learn(_ x: [Float], target: Double) {
        learn(x, label: target == 1 ? 1 : target == 0 ? 0 : -1)
    }
}

extension BinaryMetrics: PrequentialMetrics {
    /// Scores a probability of class 1 against a 0/1 target.
    public mutating func update(target: Double, prediction: Double) {
        update(label: target == 1 ? 1 : 0, probability: prediction)
    }
}
