import FlywheelEvents
import OnlineLearning

// MARK: - DriftMonitor

/// Watches the joined examples for drift: an ``OnlineLearning/ADWIN`` per model on its 0/1 error (classifiers) or
/// absolute error (regressors) with windowed metrics, and — given the feature schema — a
/// ``OnlineLearning/FeatureDriftTracker`` on the features, the champion's output (`(prediction)`) and the label
/// (`(label)`). Every ``reportEvery`` examples (or ``reportInterval`` seconds, whichever comes first) it makes a ``FlywheelEvents/DriftReport`` for every model (the
/// serving model's carries the feature table) and starts new windows; when a detector flags a drift it reports that
/// model at once (its `errorChange` metric says how much the error moved at the cut, positive when the model got
/// worse). A plain value: feed it examples and the time, read the reports it returns.
public struct DriftMonitor: Sendable, Codable {
    /// One report and what it says.
    public struct Alarm: Sendable, Hashable, Codable {
        /// The model whose detector fired.
        public var model: ModelReference
        /// Whether that model was serving (the champion) when it fired.
        public var isChampion: Bool
        /// The request whose label completed the evidence.
        public var requestId: String
        /// How much the model's mean error changed at the cut (positive: it got worse).
        public var errorChange: Double
    }

    private struct Watch: Sendable, Codable {
        var detector = ADWIN()
        var latest: ModelReference
        var fromTs = 0.0
        var toTs = 0.0
        var count = 0
        /// The window's accuracy and log loss (classifiers).
        var classification = BinaryMetrics()
        /// The window's MAE and RMSE (regressors).
        var regression = RegressionMetrics()
        var isClassifier = true
    }

    /// Examples between regular reports. Default: ``LoopDefaults/driftReportEvery``.
    public let reportEvery: Int
    /// Seconds between regular reports, whichever of the two comes first (nil: by examples only).
    public let reportInterval: Double?
    private var windowStartedAt: Double?
    private var watches: [String: Watch] = [:]
    private var features: FeatureDriftTracker?
    private var examples = 0
    /// Every drift alarm so far.
    public private(set) var alarms: [Alarm] = []

    /// The feature-drift settings the loop uses: the reference is the 2,000 requests after the first 2,000 (the
    /// models' learning curve would otherwise make their predictions "drift" at once).
    public static var loopFeatureConfiguration: FeatureDriftTracker.Configuration {
        var configuration = FeatureDriftTracker.Configuration()
        configuration.warmUp = 2000
        return configuration
    }

    /// The column of the champion's score beside the features it tracks.
    static let predictionColumn = "(prediction)"
    /// The column of the label beside the features it tracks.
    static let labelColumn = "(label)"

    /// Makes a monitor; with a `schema`, it also tracks feature, prediction and label drift.
    public init(
        reportEvery: Int = LoopDefaults.driftReportEvery, reportInterval: Double? = nil, schema: FeatureSchema? = nil,
        features configuration: FeatureDriftTracker.Configuration = DriftMonitor.loopFeatureConfiguration
    ) {
        precondition(reportEvery > 0, "reportEvery must be positive, not \(reportEvery).")
        precondition(reportInterval.map { $0 > 0 } ?? true, "reportInterval must be positive.")
        self.reportEvery = reportEvery
        self.reportInterval = reportInterval
        if let schema {
            let extended = FeatureSchema(
                features: schema.features + [.init(name: Self.predictionColumn, kind: .numeric), .init(name: Self.labelColumn, kind: .numeric)],
                hashWidth: schema.hashWidth)
            features = FeatureDriftTracker(schema: extended, configuration: configuration)
        }
    }

    /// Scores one joined example for every model in it.
    /// - Returns: the reports due (regular ones, and one per model whose detector fired).
    public mutating func record(_ example: JoinedExample, now: Double) -> [DriftReport] {
        var reports: [DriftReport] = []
        examples += 1
        if features != nil {
            // The two extra columns beside the request's features, without a copy of its dictionary per example.
            let observed = example.features, score = example.champion.score, label = example.label
            features!.observe { name in
                switch name {
                case Self.predictionColumn: .number(score)
                case Self.labelColumn: .number(label)
                default: observed[name]
                }
            }
        }
        let started = windowStartedAt ?? now
        windowStartedAt = started
        let windowEnds = examples % reportEvery == 0 || reportInterval.map { now - started >= $0 } == true
        if windowEnds {
            examples = 0
            windowStartedAt = nil
        }
        func observe(_ output: ModelOutput, isChampion: Bool) {
            // Changed in place in the dictionary (one lookup; no copy of the detector's buckets, copy-on-write).
            update(&watches[output.model.id, default: Watch(latest: output.model)], output, isChampion: isChampion)
        }
        func update(_ watch: inout Watch, _ output: ModelOutput, isChampion: Bool) {
            if output.model.version > watch.latest.version { watch.latest = output.model }
            if watch.count == 0 { watch.fromTs = example.labelTs }
            watch.toTs = example.labelTs
            watch.count += 1
            if output.isClassifier {
                watch.classification.score(output, label: example.label)
            } else {
                watch.isClassifier = false
                watch.regression.update(target: example.label, prediction: output.answer)
            }
            let state = watch.detector.update(output.loss(label: example.label))
            if state == .drift {
                alarms.append(Alarm(
                    model: watch.latest, isChampion: isChampion, requestId: example.requestId,
                    errorChange: watch.detector.lastChange))
            }
            if state == .drift || windowEnds {
                var report = Self.report(watch, state: state, champion: isChampion, now: now)
                if windowEnds && isChampion, features != nil {
                    report.features = Self.table(features!.closeWindow(), alpha: features!.configuration.alpha)
                }
                reports.append(report)
            }
            if windowEnds {
                watch = Watch(detector: watch.detector, latest: watch.latest, isClassifier: watch.isClassifier)
            }
        }
        // The champion first, then each shadow (not `example.outputs`, which builds an array per example).
        observe(example.champion, isChampion: true)
        for output in example.shadows { observe(output, isChampion: false) }
        return reports
    }

    /// The feature table: per feature its test (BH-adjusted p-value against alpha, with the histograms), then PSI,
    /// Jensen-Shannon, Hellinger and (numeric) Wasserstein over the reference's standard deviation against
    /// customary thresholds (0.2, 0.1, 0.1, 0.1), which inform but do not decide.
    static func table(_ results: [FeatureDriftTracker.Result], alpha: Double) -> [DriftReport.FeatureDrift] {
        results.flatMap { result -> [DriftReport.FeatureDrift] in
            var entries: [DriftReport.FeatureDrift] = [
                .init(
                    name: result.name, statistic: result.isNumeric ? "KS p (BH)" : "chi-square p (BH)",
                    value: result.adjustedPValue, threshold: alpha, drifted: result.drifted, bins: result.binLabels,
                    reference: result.referenceProportions, current: result.currentProportions),
                .init(name: result.name, statistic: "PSI", value: result.psi, threshold: 0.2, drifted: result.psi > 0.2),
                .init(name: result.name, statistic: "Jensen-Shannon", value: result.jensenShannon, threshold: 0.1, drifted: result.jensenShannon > 0.1),
                .init(name: result.name, statistic: "Hellinger", value: result.hellinger, threshold: 0.1, drifted: result.hellinger > 0.1),
            ]
            if let normalized = result.wassersteinNormalized {
                entries.append(.init(name: result.name, statistic: "Wasserstein/sd", value: normalized, threshold: 0.1, drifted: normalized > 0.1))
            }
            return entries
        }
    }

    private static func report(_ watch: Watch, state: DriftState, champion: Bool, now: Double) -> DriftReport {
        var report = DriftReport(
            model: watch.latest, ts: now, window: .init(fromTs: watch.fromTs, toTs: watch.toTs, examples: watch.count),
            metrics: [:],
            detectors: [.init(name: "ADWIN", state: DriftReport.Detector.State(rawValue: state.rawValue) ?? .stable)],
            features: [])
        if watch.isClassifier {
            report[.accuracy] = watch.classification.accuracy
            report[.logLoss] = watch.classification.logLoss
        } else {
            report[.mae] = watch.regression.meanAbsoluteError
            report[.rmse] = watch.regression.rootMeanSquaredError
        }
        if state == .drift { report[.errorChange] = watch.detector.lastChange }
        report.champion = champion
        return report
    }
}
