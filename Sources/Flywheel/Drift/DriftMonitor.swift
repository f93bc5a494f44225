import FlywheelEvents
import Foundation
import OnlineLearning

// MARK: - DriftMonitor

/// Watches every model's error stream in the joined examples: an ``OnlineLearning/ADWIN`` per model on its 0/1 error
/// (classifiers) or absolute error (regressors), and windowed metrics. It makes a ``FlywheelEvents/DriftReport`` for
/// a model every ``reportEvery`` examples, and at once when its detector flags a drift (then the window starts
/// over; the report's `errorChange` metric says how much the error moved at the cut, positive when the model got
/// worse). A plain value: feed it examples and the time, read the reports it returns.
public struct DriftMonitor: Sendable {
    /// One report and what it says.
    public struct Alarm: Sendable, Hashable {
        /// The model whose detector fired.
        public var model: ModelReference
        /// Whether that model was serving (the champion) when it fired.
        public var isChampion: Bool
        /// The request whose label completed the evidence.
        public var requestId: String
        /// How much the model's mean error changed at the cut (positive: it got worse).
        public var errorChange: Double
    }

    private struct Watch: Sendable {
        var detector = ADWIN()
        var latest: ModelReference
        var fromTs = 0.0
        var toTs = 0.0
        var count = 0
        var correct = 0
        var logLoss = 0.0
        var absoluteError = 0.0
        var squaredError = 0.0
        var isClassifier = true
    }

    /// Examples between regular reports of a model. Default: 1,000.
    public let reportEvery: Int
    private var watches: [String: Watch] = [:]
    /// Every drift alarm so far.
    public private(set) var alarms: [Alarm] = []

    /// Makes a monitor.
    public init(reportEvery: Int = 1000) {
        precondition(reportEvery > 0, "reportEvery must be positive, not \(reportEvery).")
        self.reportEvery = reportEvery
    }

    /// Scores one joined example for every model in it.
    /// - Returns: the reports due (regular ones, and one per model whose detector fired).
    public mutating func record(_ example: JoinedExample, now: Double) -> [DriftReport] {
        var reports: [DriftReport] = []
        for (index, output) in example.predictions.enumerated() {
            var watch = watches[output.model.id] ?? Watch(latest: output.model)
            if output.model.version > watch.latest.version { watch.latest = output.model }
            if watch.count == 0 { watch.fromTs = example.labelTs }
            watch.toTs = example.labelTs
            watch.count += 1
            let error: Double
            if let probabilities = output.probabilities {
                let probability = min(max(probabilities.last ?? output.answer, 1e-15), 1 - 1e-15)
                let label = example.label == 1 ? 1.0 : 0.0
                let right = (probability > 0.5 ? 1.0 : 0.0) == label
                if right { watch.correct += 1 }
                watch.logLoss -= label == 1 ? log(probability) : log(1 - probability)
                error = right ? 0 : 1
            } else {
                watch.isClassifier = false
                error = abs(output.answer - example.label)
                watch.absoluteError += error
                watch.squaredError += error * error
            }
            let state = watch.detector.update(error)
            if state == .drift {
                alarms.append(Alarm(
                    model: watch.latest, isChampion: index == 0, requestId: example.requestId,
                    errorChange: watch.detector.lastChange))
            }
            if state == .drift || watch.count >= reportEvery {
                reports.append(Self.report(watch, state: state, champion: index == 0, now: now))
                watch = Watch(detector: watch.detector, latest: watch.latest, isClassifier: watch.isClassifier)
            }
            watches[output.model.id] = watch
        }
        return reports
    }

    private static func report(_ watch: Watch, state: DriftState, champion: Bool, now: Double) -> DriftReport {
        let n = Double(max(1, watch.count))
        var metrics: [String: Double] = watch.isClassifier
            ? ["accuracy": Double(watch.correct) / n, "logLoss": watch.logLoss / n]
            : ["mae": watch.absoluteError / n, "rmse": (watch.squaredError / n).squareRoot()]
        if state == .drift { metrics["errorChange"] = watch.detector.lastChange }
        var report = DriftReport(
            model: watch.latest, ts: now, window: .init(fromTs: watch.fromTs, toTs: watch.toTs, examples: watch.count),
            metrics: metrics,
            detectors: [.init(name: "ADWIN", state: DriftReport.Detector.State(rawValue: state.rawValue) ?? .stable)],
            features: [])
        report.champion = champion
        return report
    }
}
