import FlywheelEvents
import OnlineLearning

// MARK: - BinaryMetrics + ModelOutput

extension BinaryMetrics {
    /// Scores a classifier's answer against its label, as the scoreboard and the drift monitor do: with two classes
    /// by the probability of class 1, with more by whether the class served was the label's and the probability it
    /// gave that class. A regressor's answer (no probabilities) is not scored here.
    mutating func score(_ output: ModelOutput, label: Double) {
        guard let probabilities = output.probabilities else { return }
        if probabilities.count <= 2 {
            update(label: output.labelClass(label), probability: output.score)
        } else {
            update(isCorrect: output.isCorrect(label: label), probabilityOfTrueClass: output.probability(ofLabel: label) ?? 0)
        }
    }
}
