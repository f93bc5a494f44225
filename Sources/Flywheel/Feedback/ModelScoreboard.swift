import FlywheelEvents
import OnlineLearning

// MARK: - ModelScoreboard

/// Prequential metrics of every model seen in joined examples, by model id (a model's versions share one line):
/// over the whole run and over the last ``window`` examples, plus the same for the served answers — whichever model
/// was champion for each request. Each model is scored on the requests it answered, before any model learned their
/// labels.
public struct ModelScoreboard: Sendable {
    /// One model's metrics.
    public struct Entry: Sendable {
        /// The newest version seen.
        public var latest: ModelReference
        /// Accuracy and log loss since the model was first seen.
        public var overall = BinaryMetrics()
        /// Accuracy over the last examples.
        public var recent: RollingAccuracy

        mutating func update(_ output: ModelOutput, label: Int) {
            let probability = output.probabilities?.last ?? output.answer
            if output.model.version > latest.version { latest = output.model }
            overall.update(label: label, probability: probability)
            recent.update(isCorrect: (probability > 0.5 ? 1 : 0) == label)
        }
    }

    /// How many recent examples the windowed accuracy covers.
    public let window: Int
    /// Entries by model id.
    public private(set) var entries: [String: Entry] = [:]
    /// The served answers (the champion of each request, whoever it was).
    public private(set) var served: Entry

    /// Makes an empty scoreboard.
    public init(window: Int = 1000) {
        self.window = window
        served = Entry(latest: ModelReference(id: "served", version: 0), recent: RollingAccuracy(window: window))
    }

    /// Scores every model's prediction in a joined example (the first is the served one).
    public mutating func record(_ example: JoinedExample) {
        let label = example.label == 1 ? 1 : 0
        for (index, output) in example.predictions.enumerated() {
            if index == 0 { served.update(output, label: label) }
            entries[output.model.id, default: Entry(latest: output.model, recent: RollingAccuracy(window: window))]
                .update(output, label: label)
        }
    }
}
