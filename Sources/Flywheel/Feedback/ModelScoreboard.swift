import FlywheelEvents
import OnlineLearning

// MARK: - ModelScoreboard

/// Prequential metrics of every model seen in joined examples, by model id (a model's versions share one line):
/// accuracy and log loss for classifiers, MAE, RMSE and R² for regressors, over the whole run and over the last
/// ``window`` examples, plus the same for the served answers — whichever model
/// was champion for each request. Each model is scored on the requests it answered, before any model learned their
/// labels.
public struct ModelScoreboard: Sendable, Codable {
    /// One model's metrics.
    public struct Entry: Sendable, Codable {
        /// The newest version seen.
        public var latest: ModelReference
        /// Accuracy and log loss since the model was first seen.
        public var overall = BinaryMetrics()
        /// Accuracy over the last examples.
        public var recent: RollingAccuracy
        /// MAE, RMSE and R² since the model was first seen (regressors).
        public var regression = RegressionMetrics()
        /// Mean absolute error over the last examples (regressors).
        public var recentAbsoluteError: RollingMean

        /// Whether the model answered with class probabilities.
        public private(set) var isClassifier = true

        mutating func update(_ output: ModelOutput, label: Double) {
            if output.model.version > latest.version { latest = output.model }
            guard output.probabilities != nil else {
                isClassifier = false
                regression.update(target: label, prediction: output.answer)
                recentAbsoluteError.append(abs(output.answer - label))
                return
            }
            overall.score(output, label: label)
            recent.update(isCorrect: output.isCorrect(label: label))
        }

        init(latest: ModelReference, window: Int) {
            self.latest = latest
            recent = RollingAccuracy(window: window)
            recentAbsoluteError = RollingMean(window: window)
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
        served = Entry(latest: ModelReference(id: "served", version: 0), window: window)
    }

    /// Scores every model's prediction in a joined example; the champion's is also the served answer.
    public mutating func record(_ example: JoinedExample) {
        served.update(example.champion, label: example.label)
        for output in example.outputs {
            entries[output.model.id, default: Entry(latest: output.model, window: window)]
                .update(output, label: example.label)
        }
    }
}
