// MARK: - ConfidenceCalibrator

/// How often a classifier is right at each level of its own confidence (the probability of the class it answers),
/// learned from the labels that have arrived: histogram binning with fading counts, so it follows a model that keeps
/// learning. It turns the confidences of predictions whose labels have not arrived yet into an estimate of their
/// accuracy — confidence-based performance estimation (CBPE), as NannyML does in batch, here online.
///
/// Each bin's estimate is `(right + prior × c) / (seen + prior)`: the fading counts of right answers and of answers
/// whose confidence fell in the bin, pulled toward the bin's middle confidence `c` by `prior` pseudo-answers, so an
/// empty bin trusts the model's own probability. Counts fade by `fading` per label (0.9995: labels weigh half after
/// ~1,400 more), so the calibration follows the model as it learns and as the stream drifts — but only as fast as
/// labels arrive: a change of concept that leaves the inputs and the model's confidences as they were is invisible
/// to it until the labels show it (the method's known blind spot, docs/learning.md).
public struct ConfidenceCalibrator: Sendable, Hashable, Codable {
    /// Fading counts of right answers per confidence bin.
    public private(set) var right: [Double]
    /// Fading counts of answers per confidence bin.
    public private(set) var seen: [Double]
    /// Per-label factor every count is multiplied by.
    public let fading: Double
    /// Pseudo-answers at the bin's own confidence.
    public let prior: Double

    /// A calibrator with `bins` equal bins over confidence [0, 1].
    public init(bins: Int = 20, fading: Double = 0.9995, prior: Double = 10) {
        precondition(bins > 0 && fading > 0 && fading <= 1 && prior > 0, "Bad calibrator settings.")
        right = Array(repeating: 0, count: bins)
        seen = Array(repeating: 0, count: bins)
        self.fading = fading
        self.prior = prior
    }

    /// A binary classifier's confidence in its answer when it gives class 1 probability `probability`.
    public static func confidence(probabilityOfOne probability: Double) -> Double {
        max(probability, 1 - probability)
    }

    /// A classifier's confidence in its answer: its largest class probability.
    public static func confidence(probabilities: [Double]) -> Double {
        probabilities.max() ?? 0
    }

    /// Learns that an answer given with `confidence` was right or not.
    public mutating func record(confidence: Double, correct: Bool) {
        guard confidence.isFinite else { return }
        for index in seen.indices {
            seen[index] *= fading
            right[index] *= fading
        }
        let bin = Self.bin(of: confidence, bins: seen.count)
        seen[bin] += 1
        if correct { right[bin] += 1 }
    }

    /// The chance that an answer given with `confidence` is right.
    public func calibrated(_ confidence: Double) -> Double {
        guard confidence.isFinite else { return 0.5 }
        let bin = Self.bin(of: confidence, bins: seen.count)
        let middle = (Double(bin) + 0.5) / Double(seen.count)
        return (right[bin] + prior * middle) / (seen[bin] + prior)
    }

    private static func bin(of confidence: Double, bins: Int) -> Int {
        min(bins - 1, max(0, Int(confidence * Double(bins))))
    }
}

// MARK: - AccuracyEstimate

/// Estimated and (once the labels arrive) realized accuracy of a set of predictions.
public struct AccuracyEstimate: Sendable, Hashable, Codable {
    /// The sum of the calibrated chances of being right, made when each prediction was made.
    public private(set) var expectedRight = 0.0
    /// Predictions estimated.
    public private(set) var count = 0
    /// Of them, how many turned out right (once labelled).
    public private(set) var right = 0
    /// Of them, how many are labelled.
    public private(set) var labelled = 0

    /// Nothing yet.
    public init() {}

    /// Adds a prediction with its calibrated chance of being right.
    public mutating func add(chance: Double) {
        expectedRight += chance
        count += 1
    }

    /// Adds the outcome of one of the predictions.
    public mutating func resolve(correct: Bool) {
        labelled += 1
        if correct { right += 1 }
    }

    /// The estimate: the mean calibrated chance (0 without predictions).
    public var estimated: Double { count > 0 ? expectedRight / Double(count) : 0 }

    /// The realized accuracy of those labelled so far (0 without labels).
    public var realized: Double { labelled > 0 ? Double(right) / Double(labelled) : 0 }
}

extension PrequentialEvaluation {
    /// One window of a run of ``inFlightEstimates(_:pipeline:model:window:calibrator:)``.
    public struct EstimateWindow: Sendable, Hashable {
        /// The stream index of the window's first request.
        public var first: Int
        /// Its estimate, made before any of its labels, and its realized accuracy after all of them.
        public var estimate: AccuracyEstimate
    }

    /// Test-then-train with this delay, estimating every prediction's chance of being right when it is made (the
    /// calibrator knows only the labels arrived by then), then scoring it when its label arrives: per `window`
    /// consecutive requests, the estimate against the realized accuracy. A binary classifier's probability of class
    /// 1 is its confidence's source.
    public func inFlightEstimates<Model: OnlineModel>(
        _ examples: some Sequence<Example>, pipeline: FeaturePipeline, model: Model, window: Int,
        calibrator initial: ConfidenceCalibrator = ConfidenceCalibrator()
    ) -> [EstimateWindow] {
        precondition(window > 0, "The window must hold at least one request.")
        var calibrator = initial
        var windows: [EstimateWindow] = []
        var predicted = 0
        _ = run(
            examples, pipeline: pipeline, model: model,
            predict: { model, x -> Double in
                let probability = model.predictValue(x)
                if predicted % window == 0 { windows.append(EstimateWindow(first: predicted, estimate: AccuracyEstimate())) }
                windows[windows.count - 1].estimate.add(
                    chance: calibrator.calibrated(ConfidenceCalibrator.confidence(probabilityOfOne: probability)))
                predicted += 1
                return probability
            },
            learn: { $0.learn($1, target: $2.target) },
            score: { index, example, probability in
                let correct = (probability > 0.5 ? 1.0 : 0.0) == example.target
                calibrator.record(confidence: ConfidenceCalibrator.confidence(probabilityOfOne: probability), correct: correct)
                windows[index / window].estimate.resolve(correct: correct)
            })
        return windows
    }
}
