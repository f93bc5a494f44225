import Foundation

// MARK: - LabelGuard

/// A sequential test of the labels themselves: have they turned against every model at once, as a broken labelling
/// pipeline that flips or scrambles them would make them? A real change of concept makes models wrong where the
/// concept moved; labels that went bad make every model wrong where it was surest.
///
/// Each joined label is scored against every model's answer that was confident (its calibrated chance of being right,
/// ``ConfidenceCalibrator``, at least `minimumChance`): the log-likelihood ratio of "bad labels make
/// `badLabelErrorRate` of confident answers wrong" (0.9) against "a change of concept makes at most
/// `conceptErrorRate` of them wrong" (0.5) is log(0.9 / 0.5) for a wrong answer and log(0.1 / 0.5) for a right one.
/// The guard averages it over the models and sums it in a CUSUM, `S = max(0, S + r)`: past `threshold` the labels are
/// suspect; the reverse sum (evidence that the labels agree with the models again) past the same threshold trusts them
/// again. Answers the model was unsure of carry no evidence.
///
/// What it costs: a complete flip is caught after about threshold / log(1.8) ≈ 16 confident labels (24–34 measured
/// on sea and agrawal, `LabelGuardTests`), and trusted again ~6 labels after it ends. A change of concept pauses
/// learning only if it contradicts nearly everything the models were sure of (SEA's and agrawal's do not); streams
/// whose errors come in long runs (elec) pause briefly now and then (1% of elec's labels held back). A partial flip of
/// fewer than about half the confident answers is not caught: the test is for labels that went bad, not noisy ones.
public struct LabelGuard: Sendable, Hashable, Codable {
    /// The test's settings.
    public struct Configuration: Sendable, Hashable, Codable {
        /// The CUSUM's threshold, both ways. Default: log 10⁴ (9.2): while confident answers are wrong at most
        /// `conceptErrorRate` of the time, independently, a run of evidence reaches it with chance at most 10⁻⁴
        /// (Ville's inequality on the likelihood ratio); errors that come in runs reach it more often (elec).
        public var threshold = log(10_000.0)
        /// The share of confident answers labels gone bad make wrong (a complete flip: as many as were right), the
        /// alternative tested. Default: 0.9.
        public var badLabelErrorRate = 0.9
        /// The largest share of confident answers a real change of concept makes wrong, the hypothesis tested.
        /// Default: 0.5 (a concept that contradicts half of what the models were sure of).
        public var conceptErrorRate = 0.5
        /// Answers whose calibrated chance of being right is below this carry no evidence. Default: 0.8.
        public var minimumChance = 0.8

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
