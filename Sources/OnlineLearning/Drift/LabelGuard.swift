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
///
/// While the labels are suspect for contradicting the models, the models learn nothing, so their answers can change
/// only if the requests do. Bad labels leave the requests as they were; a change in the world that makes the models
/// confidently wrong usually changes them too (river's LED generator, whose segments swap meaning, makes ~94% of a
/// frozen model's confident answers wrong and moves its answers' class mix far: `docs/learning.md`). So the guard
/// compares the served answers' classes since the pause (`answerClass` in ``record(_:labelClass:answerClass:)``, up to
/// `answerWindow` of them) with the `answerWindow` before it, by a chi-square test of homogeneity: below
/// `answerShiftPValue` (10⁻⁶, at least `answerMinimum` answers since the pause) it trusts the labels again as a change
/// of concept, and for the next `answerGrace` labels it does not weigh the models' contradiction (they and their
/// calibrations are learning the new concept). A change of concept that leaves the requests as they were still pauses until an operator trusts the
/// labels (or the models happen to agree again).
///
/// A second rule watches the class mix for labels stuck on one class (a pipeline writing a default value): labels
/// suspect when at least `stuckShare` (0.98) of the last `stuckWindow` (200) labels name one class whose long-run share
/// (fading counts, half weight after ~7,000 labels, frozen while suspect) is at most `stuckShare − stuckMargin` (0.78);
/// trusted again once that class's share of the window is back below `stuckShare − stuckMargin / 2` (0.88). Labels
/// stuck on class 0 answer many confident answers right, so the first test alone misses them. Not an iid test: labels
/// come in runs on real streams (elec has runs of 82 equal labels; its largest share of one class in 200 labels is
/// 0.865, sea's 0.795, agrawal's 0.76 — so none pauses), and labels stuck on a class that is already 78% of the
/// stream go unnoticed. Detection takes the labels needed to fill 98% of the window (174–195 measured on the bundled
/// streams), trust again 30–81 labels after the labels are right (`LabelGuardTests`).
///
/// A third rule watches whether labels find their predictions (``recordMatch(_:)``, fed by the feedback role): labels
/// suspect when at least half of the latest 200 resolved labels named requests no prediction was seen for (ids
/// shifted or mis-keyed; the joined examples that still match meanwhile are as suspect), trusted again below 20%.
///
/// A fourth rule watches the label *rate* per prediction (``recordCoverage(_:)``, fed by the feedback role with each
/// prediction's fate in the join: labelled within the join window or not): labels suspect when the share of the
/// latest `rateWindow` (1,000) predictions that were labelled is below half its long-run share or above twice it (a
/// pipeline that now labels only some requests — a biased subset — or labels requests it never labelled), trusted
/// again once it is within a factor `rateRecovery` (1.5) of it. Like the class-mix rule a window rule against a fading
/// long-run share (frozen while suspect), not an iid test: missing labels come in runs. It acts only after
/// `rateWarmUp` (2,000) outcomes and while the window expects at least `rateMinimumCount` (50) labels — below that,
/// chance alone halves or doubles a window's count.
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
        /// The labels the class-mix rule looks at. Default: 200.
        public var stuckWindow = 200
        /// The share of the window one class must have for the labels to look stuck on it. Default: 0.98.
        public var stuckShare = 0.98
        /// How far below `stuckShare` that class's long-run share must be (a class that is nearly all of the stream
        /// anyway is not stuck). Default: 0.2.
        public var stuckMargin = 0.2
        /// The long-run class shares' per-label fading. Default: 0.9999 (half weight after ~7,000 labels).
        public var classMemory = 0.9999
        /// How many of the latest resolved labels (matched to a prediction, or given up on) the unknown-id rule looks
        /// at. Default: 200.
        public var unknownWindow = 200
        /// The share of those that matched no prediction at which the labels are suspect. Default: 0.5.
        public var unknownShare = 0.5
        /// The share below which they are trusted again. Default: 0.2.
        public var unknownRecovery = 0.2
        /// How many of the latest predictions' join outcomes (labelled or not) the label-rate rule looks at. Default:
        /// 1,000.
        public var rateWindow = 1000
        /// Outcomes seen before the label-rate rule acts (its long-run share needs them). Default: 2,000.
        public var rateWarmUp = 2000
        /// The factor by which the recent labelled share must fall below (or rise above) the long-run one for the
        /// labels to be suspect. Default: 2.
        public var rateFactor = 2.0
        /// The factor within which it must be again for them to be trusted. Default: 1.5.
        public var rateRecovery = 1.5
        /// The fewest labels the window must expect at the long-run share for the rule to act. Default: 50.
        public var rateMinimumCount = 50.0
        /// The long-run labelled share's per-outcome fading. Default: 0.9999 (half weight after ~7,000 outcomes).
        public var rateMemory = 0.9999
        /// How many served answers before a pause, and at most since it, the answer-shift rule compares. Default: 500.
        public var answerWindow = 500
        /// The fewest answers since the pause it needs. Default: 100.
        public var answerMinimum = 100
        /// The chi-square p-value below which the answers since the pause come from another mix than those before it.
        /// Default: 10⁻⁶ (checked with every label of a pause, so far below the usual levels).
        public var answerShiftPValue = 1e-6
        /// Labels after trusting on an answer shift during which the models' contradiction is not weighed. Default:
        /// 2,000 (the calibrations' memory is ~1,400 labels to half weight).
        public var answerGrace = 2000

        /// The defaults above.
        public init() {}
    }

    /// Why the guard suspects the labels.
    public enum Cause: Sendable, Hashable, Codable {
        /// They contradict every model's confident answers (the CUSUM).
        case contradictModels
        /// Nearly all of the recent ones name this class.
        case stuckOnClass(Int)
        /// Most of the recent ones name requests no prediction was seen for.
        case unknownIds
        /// The share of recent predictions that were labelled halved or doubled against the long run.
        case labelRate
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
    /// Why it suspects the labels now (nil while it trusts them).
    public private(set) var cause: Cause?
    /// The class the labels look stuck on, when that is why it suspects them.
    public var stuckClass: Int? {
        if case .stuckOnClass(let stuck)? = cause { return stuck }
        return nil
    }
    /// The last `stuckWindow` labels' classes.
    private var recentLabels: ClassWindow
    /// Fading counts of each class over the long run.
    public private(set) var longRunCounts: [Int: Double] = [:]
    /// The latest resolutions ("right": the label matched a prediction).
    private var matches: RollingAccuracy
    /// The latest predictions' join outcomes ("right": labelled within the join window).
    private var coverage: RollingAccuracy
    /// Fading counts, over the long run, of predictions labelled and of all outcomes.
    private var longRunLabelled = 0.0, longRunOutcomes = 0.0
    /// Join outcomes seen so far.
    public private(set) var outcomes = 0
    /// The latest served answers' classes while trusted, frozen as the reference at a pause.
    private var answersBefore: ClassWindow
    /// The served answers' classes since the pause, the latest `answerWindow`.
    private var answersSince: ClassWindow
    /// The label count until which the contradiction is not weighed (after trusting on an answer shift).
    public private(set) var graceUntil = 0
    /// How many times the labels were trusted again because the answers' mix moved during a pause.
    public private(set) var answerShifts = 0
    /// The answer-shift test's p-value when it last trusted the labels again (nil before it has).
    public private(set) var answerShiftPValue: Double?

    /// A guard trusting the labels.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        matches = RollingAccuracy(window: configuration.unknownWindow)
        coverage = RollingAccuracy(window: configuration.rateWindow)
        recentLabels = ClassWindow(capacity: configuration.stuckWindow)
        answersBefore = ClassWindow(capacity: configuration.answerWindow)
        answersSince = ClassWindow(capacity: configuration.answerWindow)
    }

    /// Scores one label against the models' answers (each its calibrated chance of being right and whether it was),
    /// given its class against the recent class mix, and given the class the request was served (`answerClass`)
    /// against the served answers before a pause.
    /// - Returns: the new state when this label changed it.
    public mutating func record(
        _ answers: [(chance: Double, correct: Bool)], labelClass: Int? = nil, answerClass: Int? = nil
    ) -> State? {
        labels += 1
        if state == .suspect { labelsWhileSuspect += 1 }
        if let answerClass {  // before a pause while trusted, since it while suspect
            if state == .trusted { answersBefore.add(answerClass) } else { answersSince.add(answerClass) }
        }
        let stuck = labelClass.flatMap { watchMix($0) }
        if state == .trusted, let stuck {
            return turnSuspect(.stuckOnClass(stuck))
        }
        if let stuckClass {
            guard share(of: stuckClass) < configuration.stuckShare - configuration.stuckMargin / 2 else { return nil }
            return turnTrusted()
        }
        if cause == .unknownIds || cause == .labelRate { return nil }  // only their own rule ends those pauses
        if cause == .contradictModels, let p = answerShift() {
            answerShifts += 1
            answerShiftPValue = p
            graceUntil = labels + configuration.answerGrace
            return turnTrusted()
        }
        if state == .trusted, labels < graceUntil { return nil }
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
            return turnSuspect(.contradictModels)
        case .suspect:
            recovery = max(0, recovery - ratio)
            guard recovery >= configuration.threshold else { return nil }
            return turnTrusted()
        }
    }

    /// Adds a label's class to the window and (while trusted) to the long-run counts.
    /// - Returns: the class the recent labels look stuck on, if any.
    private mutating func watchMix(_ labelClass: Int) -> Int? {
        recentLabels.add(labelClass)
        if state == .trusted {
            for key in longRunCounts.keys { longRunCounts[key]! *= configuration.classMemory }
            longRunCounts[labelClass, default: 0] += 1
        }
        guard recentLabels.isFull, share(of: labelClass) >= configuration.stuckShare else { return nil }
        let total = longRunCounts.values.reduce(0, +)
        let longRunShare = total > 0 ? (longRunCounts[labelClass] ?? 0) / total : 1
        return longRunShare <= configuration.stuckShare - configuration.stuckMargin ? labelClass : nil
    }

    /// The p-value of the answers since the pause against those before it, when it is below `answerShiftPValue`.
    private func answerShift() -> Double? {
        guard answersSince.count >= configuration.answerMinimum, answersBefore.count >= configuration.answerMinimum else {
            return nil
        }
        let classes = Array(Set(answersBefore.counts.keys).union(answersSince.counts.keys))
        let p = DriftStatistics.chiSquareHomogeneity(
            classes.map { Double(answersBefore.counts[$0] ?? 0) }, classes.map { Double(answersSince.counts[$0] ?? 0) }).pValue
        return p < configuration.answerShiftPValue ? p : nil
    }

    /// Records whether a label matched a prediction: at once or later (true), or not within the feedback role's
    /// horizon (false: a label for an id no prediction was seen for). Labels suspect when at least `unknownShare` of
    /// the last `unknownWindow` resolutions did not match, trusted again below `unknownRecovery`.
    /// - Returns: the new state when this changed it.
    public mutating func recordMatch(_ matched: Bool) -> State? {
        matches.update(isCorrect: matched)
        if state == .trusted, matches.count == matches.window, unmatchedShare >= configuration.unknownShare {
            return turnSuspect(.unknownIds)
        }
        if cause == .unknownIds, unmatchedShare < configuration.unknownRecovery {
            return turnTrusted()
        }
        return nil
    }

    /// Records one prediction's fate in the join: labelled within the join window (true) or given up on (false).
    /// Labels suspect when the latest `rateWindow` outcomes' labelled share is below the long-run share divided by
    /// `rateFactor` or above it multiplied by it; trusted again within a factor `rateRecovery`.
    /// - Returns: the new state when this changed it.
    public mutating func recordCoverage(_ labelled: Bool) -> State? {
        let settings = configuration
        coverage.update(isCorrect: labelled)
        outcomes += 1
        if state == .trusted {
            longRunLabelled = longRunLabelled * settings.rateMemory + (labelled ? 1 : 0)
            longRunOutcomes = longRunOutcomes * settings.rateMemory + 1
        }
        guard outcomes >= settings.rateWarmUp, coverage.count == coverage.window,
            usualCoverage * Double(settings.rateWindow) >= settings.rateMinimumCount
        else { return nil }
        let recent = recentCoverage, usual = usualCoverage
        if state == .trusted, recent < usual / settings.rateFactor || recent > usual * settings.rateFactor {
            return turnSuspect(.labelRate)
        }
        if cause == .labelRate, recent >= usual / settings.rateRecovery, recent <= usual * settings.rateRecovery {
            return turnTrusted()
        }
        return nil
    }

    /// The share of the latest `rateWindow` predictions that were labelled (0 before any).
    public var recentCoverage: Double { coverage.value }

    /// The long-run share of predictions labelled (fading, frozen while suspect; 0 before any).
    public var usualCoverage: Double { longRunOutcomes > 0 ? longRunLabelled / longRunOutcomes : 0 }

    /// The share of the latest resolved labels that matched no prediction.
    public var unmatchedShare: Double {
        matches.count == 0 ? 0 : Double(matches.count - matches.correct) / Double(matches.count)
    }

    /// The share of the window's labels that name `labelClass`.
    public func share(of labelClass: Int) -> Double {
        recentLabels.share(of: labelClass)
    }

    private mutating func turnSuspect(_ why: Cause) -> State {
        state = .suspect
        cause = why
        pauses += 1
        recovery = 0
        answersSince.removeAll()
        return .suspect
    }

    private mutating func turnTrusted() -> State {
        state = .trusted
        cause = nil
        suspicion = 0
        recovery = 0
        if answersSince.count > 0 {  // the answers now are the ones to compare with at the next pause
            answersBefore = answersSince
            answersSince.removeAll()
        }
        return .trusted
    }

    /// Trusts the labels again (an operator's command), forgetting the evidence.
    /// When the labels looked stuck on a class, the recent mix becomes the long-run one (the operator says the
    /// labels are right), so the same window does not make them suspect again at once; likewise the recent labelled
    /// share when the label rate was why.
    public mutating func trust() {
        if stuckClass != nil {
            longRunCounts = recentLabels.counts.mapValues(Double.init)
        }
        if cause == .labelRate {
            longRunLabelled = Double(coverage.correct)
            longRunOutcomes = Double(coverage.count)
        }
        _ = turnTrusted()
    }
}
