import Foundation

// MARK: - LabelGuard

/// A sequential test of the labels themselves: have they turned against every model at once, as a broken labelling
/// pipeline that flips or scrambles them would make them? A real change of concept makes models wrong where the
/// concept moved; labels that went bad make every model wrong where it was surest.
///
/// Each joined label is scored against every model's answer: with `c` the model's calibrated chance of being right at
/// that confidence (``ConfidenceCalibrator``), the log-likelihood ratio of "the labels are inverted" against "the
/// labels are as calibrated" is `log(c / (1 − c))` when the model was wrong and `−log(c / (1 − c))` when it was
/// right; the guard averages it over the models and sums it in a CUSUM, `S = max(0, S + r)`. It turns suspect when
/// `S` passes `threshold` and trusts again when the reverse sum (evidence that the labels agree with the models as
/// calibrated) does. Answers the model was unsure of (`c` below `minimumChance`) carry no evidence.
///
/// What it costs: a false pause needs the labels to disagree with the models' confident answers more often than they
/// agree (a concept that inverts most of the input space at once); SEA's and agrawal's concept changes do not
/// (`LabelGuardTests`). A complete flip is caught within a handful of confident labels (`threshold / (2c − 1) /
/// log(c / (1 − c))`: ~4 at c = 0.9, threshold log 10⁴). A partial flip of fewer than half the labels is not caught:
/// the test is for labels that went bad, not noisy.
public struct LabelGuard: Sendable, Hashable, Codable {
    /// The test's settings.
    public struct Configuration: Sendable, Hashable, Codable {
        /// The CUSUM's threshold, both ways. Default: log 10⁴ (9.2): under labels as calibrated, the chance the sum
        /// ever reaches it is at most 10⁻⁴ per run of evidence (Ville's inequality on the likelihood ratio).
        public var threshold = log(10_000.0)
        /// The share of confident answers labels gone bad make wrong (a complete flip: as many as were right), the
        /// alternative tested. Default: 0.9.
        public var badLabelErrorRate = 0.9
        /// The largest share of confident answers a real change of concept makes wrong, the hypothesis tested.
        /// Default: 0.5 (a concept that contradicts half of what the models were sure of).
        public var conceptErrorRate = 0.5
        /// Answers whose calibrated chance of being right is below this carry no evidence. Default: 0.8.
        public var minimumChance = 0.8
        /// Chances are clipped to at most this, so one label weighs at most log(c / (1 − c)). Default: 0.99.
        public var maximumChance = 0.99

        /// The defaults above.
        public init() {}
    }

    /// What the guard concludes about the labels.
    public enum State: String, Sendable, Hashable, Codable {
        /// Labels agree with the models as calibrated: learn from them.
        case trusted
        /// Labels disagree with every model's confident answers: do not learn from them.
        case suspect
    }

    /// The settings.
    public let configuration: Configuration
    /// Its conclusion now.
    public private(set) var state = State.trusted
    /// The evidence that the labels went bad (the CUSUM).
    public private(set) var suspicion = 0.0
    /// The evidence, while suspect, that they are right again.
    public private(set) var recovery = 0.0
    /// Labels scored so far.
    public private(set) var labels = 0
    /// Labels scored while suspect.
    public private(set) var labelsWhileSuspect = 0
    /// How many times it turned suspect.
    public private(set) var pauses = 0

    /// A guard trusting the labels.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Scores one label against the models' answers: each its calibrated chance of being right and whether it was.
    /// - Returns: the new state when this label changed it.
    public mutating func record(_ answers: [(chance: Double, correct: Bool)]) -> State? {
        labels += 1
        if state == .suspect { labelsWhileSuspect += 1 }
        var total = 0.0
        var counted = 0
        for answer in answers where answer.chance.isFinite && answer.chance >= configuration.minimumChance {
            let bad = configuration.badLabelErrorRate, plausible = configuration.conceptErrorRate
            total += answer.correct ? log((1 - bad) / (1 - plausible)) : log(bad / plausible)
            counted += 1
        }
        guard counted > 0 else { return nil }
        let ratio = total / Double(counted)
        switch state {
        case .trusted:
            suspicion = max(0, suspicion + ratio)
            guard suspicion >= configuration.threshold else { return nil }
            state = .suspect
            pauses += 1
            recovery = 0
            return .suspect
        case .suspect:
            recovery = max(0, recovery - ratio)
            guard recovery >= configuration.threshold else { return nil }
            state = .trusted
            suspicion = 0
            return .trusted
        }
    }

    /// Trusts the labels again (an operator's command), forgetting the evidence.
    public mutating func trust() {
        state = .trusted
        suspicion = 0
        recovery = 0
    }
}
