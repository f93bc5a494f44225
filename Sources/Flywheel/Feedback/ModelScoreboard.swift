import FlywheelEvents
import OnlineLearning

// MARK: - ModelScoreboard

/// Prequential metrics of every model version seen in joined examples: over the whole run and over the last
/// ``window`` examples. Each model is scored on the requests it answered, before any model learned their labels.
public struct ModelScoreboard: Sendable {
    /// One model version's metrics.
    public struct Entry: Sendable {
        /// Accuracy and log loss since the model version was first seen.
        public var overall = BinaryMetrics()
        /// Accuracy over the last examples.
        public var recent: RollingAccuracy
    }

    /// How many recent examples the windowed accuracy covers.
    public let window: Int
    /// Entries by model version.
    public private(set) var entries: [ModelReference: Entry] = [:]

    /// Makes an empty scoreboard.
    public init(window: Int = 1000) {
        self.window = window
    }

    /// Scores every model's prediction in a joined example.
    public mutating func record(_ example: JoinedExample) {
        let label = example.label == 1 ? 1 : 0
        for output in example.predictions {
            let probability = output.probabilities?.last ?? output.answer
            entries[output.model, default: Entry(recent: RollingAccuracy(window: window))]
                .overall.update(label: label, probability: probability)
            entries[output.model]!.recent.update(isCorrect: (probability > 0.5 ? 1 : 0) == label)
        }
    }
}
