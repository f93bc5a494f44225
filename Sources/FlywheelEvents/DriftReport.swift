// MARK: - DriftReport

/// One model's window of joined examples (`drift-report.schema.json`; topic `flywheel.drift`, key: the model id).
public struct DriftReport: Codable, Sendable, Hashable {
    /// The window the report covers.
    public struct Window: Codable, Sendable, Hashable {
        /// First example's label time.
        public var fromTs: Double
        /// Last example's label time.
        public var toTs: Double
        /// How many joined examples.
        public var examples: Int

        /// Makes a window.
        public init(fromTs: Double, toTs: Double, examples: Int) {
            self.fromTs = fromTs
            self.toTs = toTs
            self.examples = examples
        }
    }

    /// A drift detector's state.
    public struct Detector: Codable, Sendable, Hashable {
        /// Its state.
        public enum State: String, Codable, Sendable, Hashable { case stable, warning, drift }
        /// The detector's name (`ADWIN`, `PageHinkley`, …).
        public var name: String
        /// Its state at the end of the window.
        public var state: State

        /// Makes a detector entry.
        public init(name: String, state: State) {
            self.name = name
            self.state = state
        }
    }

    /// A per-feature drift statistic.
    public struct FeatureDrift: Codable, Sendable, Hashable {
        /// The feature.
        public var name: String
        /// The statistic (`PSI`, `KS`, …).
        public var statistic: String
        /// Its value.
        public var value: Double
        /// The alarm threshold.
        public var threshold: Double
        /// Whether the value crossed it.
        public var drifted: Bool
        /// The bins' labels (on the feature's test entry), for histograms.
        public var bins: [String]?
        /// The reference's proportion in each bin.
        public var reference: [Double]?
        /// The window's proportion in each bin.
        public var current: [Double]?

        /// Makes a feature entry.
        public init(
            name: String, statistic: String, value: Double, threshold: Double, drifted: Bool, bins: [String]? = nil,
            reference: [Double]? = nil, current: [Double]? = nil
        ) {
            self.name = name
            self.statistic = statistic
            self.value = value
            self.threshold = threshold
            self.drifted = drifted
            self.bins = bins
            self.reference = reference
            self.current = current
        }
    }

    /// The model.
    public var model: ModelReference
    /// When the report was made.
    public var ts: Double
    /// The window.
    public var window: Window
    /// Windowed metrics by name (`accuracy`, `logLoss`, `mae`, …).
    public var metrics: [String: Double]
    /// Detector states.
    public var detectors: [Detector]
    /// Feature drift statistics.
    public var features: [FeatureDrift]
    /// Whether the model was serving (the champion) in the window's last example; absent in older reports.
    public var champion: Bool?
    /// Who changed the label guard's mind: `label guard` or `operator:<name>` (label-guard reports only).
    public var decidedBy: String?

    /// Makes a report.
    public init(
        model: ModelReference, ts: Double, window: Window, metrics: [String: Double], detectors: [Detector],
        features: [FeatureDrift]
    ) {
        self.model = model
        self.ts = ts
        self.window = window
        self.metrics = metrics
        self.detectors = detectors
        self.features = features
    }
}
