// MARK: - DriftMetric

/// The metrics a ``DriftReport`` carries, by their names on the wire (`drift-report.schema.json`): readers and
/// writers name them through this type, never by string.
public enum DriftMetric: String, Sendable, Hashable, CaseIterable, Codable {
    /// Share of right answers in the window (classifiers).
    case accuracy
    /// Mean log loss in the window (classifiers).
    case logLoss
    /// Mean absolute error in the window (regressors).
    case mae
    /// Root mean squared error in the window (regressors).
    case rmse
    /// How much the model's mean error moved when its detector cut the window (alarms only; positive: worse).
    case errorChange
    /// Predictions joined with a label, of those joined or given up on (the serving model's report).
    case labelCoverage
    /// Labels whose prediction never came, so far (the serving model's report).
    case orphanedLabels
    /// The serving model's estimated accuracy on the predictions still waiting for their labels: each one's
    /// confidence, calibrated on the labels arrived so far (confidence-based performance estimation; the serving
    /// model's report).
    case estimatedAccuracy
    /// How many predictions that estimate covers (the serving model's report).
    case inFlight
    /// The label guard's conclusion, in a report of its own when it changes: 1 when the labels turned suspect (their
    /// joined examples are held back from learning), 0 when they are trusted again (the serving model's report).
    case labelsSuspect
    /// The evidence behind that change: the guard's CUSUM when it turned suspect, its reverse when it trusted again.
    case labelGuardEvidence
    /// How many joined examples the guard has held back so far.
    case labelsHeldBack
    /// The class nearly all recent labels named, when that is why the guard turned suspect (its evidence is then the
    /// class's share of the recent labels).
    case labelsStuckOnClass
    /// The share of the latest resolved labels that named requests no prediction was seen for, when that is why the
    /// guard turned suspect (or trusted again).
    case labelsUnmatchedShare
    /// The share of the latest predictions (the guard's `rateWindow`) labelled within the join window, when the label
    /// rate is why the guard turned suspect (or trusted again).
    case recentLabelCoverage
    /// The long-run share it was compared with.
    case usualLabelCoverage
    /// The chi-square p-value of the served answers' classes since a pause against those before it, when their mix
    /// moving (the requests changed while the models learned nothing: a change of concept, not bad labels) is why
    /// the guard trusted the labels again.
    case answerMixPValue

    /// The metric a model is judged by in windows and decisions: accuracy for classifiers, MAE for regressors.
    public static func headline(isClassifier: Bool) -> DriftMetric { isClassifier ? .accuracy : .mae }

    /// How people read it (`accuracy`, `MAE`, …).
    public var displayName: String {
        switch self {
        case .accuracy: "accuracy"
        case .logLoss: "log loss"
        case .mae: "MAE"
        case .rmse: "RMSE"
        case .errorChange: "error change"
        case .labelCoverage: "label coverage"
        case .orphanedLabels: "orphaned labels"
        case .estimatedAccuracy: "in-flight accuracy estimate"
        case .inFlight: "predictions in flight"
        case .labelsSuspect: "labels suspect"
        case .labelGuardEvidence: "label guard evidence"
        case .labelsHeldBack: "labels held back"
        case .labelsStuckOnClass: "labels stuck on class"
        case .labelsUnmatchedShare: "labels for unknown requests"
        case .recentLabelCoverage: "recent label coverage"
        case .usualLabelCoverage: "usual label coverage"
        case .answerMixPValue: "answer mix p-value"
        }
    }
}

extension DriftReport {
    /// One metric of the report, typed (`nil` when the report does not carry it).
    public subscript(metric: DriftMetric) -> Double? {
        get { metrics[metric.rawValue] }
        set { metrics[metric.rawValue] = newValue }
    }

    /// Whether a detector flagged a drift in this window.
    public var isAlarm: Bool { detectors.contains { $0.state == .drift } }

    /// The alarm's error change, when a detector fired and the model got worse (the trainer's signal to restart a
    /// shadow); `nil` otherwise.
    public var worseningAlarm: Double? {
        guard isAlarm, let change = self[.errorChange], change > 0 else { return nil }
        return change
    }

    /// The model's headline metric in this window: accuracy (classifiers) or MAE (regressors).
    public var headline: (metric: DriftMetric, value: Double)? {
        if let accuracy = self[.accuracy] { return (.accuracy, accuracy) }
        return self[.mae].map { (.mae, $0) }
    }
}
