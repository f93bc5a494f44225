import FlywheelEvents
import Foundation
import OnlineLearning

// MARK: - SequentialPromotionRule

/// Promotion by an anytime-valid sequential test (docs/promotion.md): each challenger is compared with the champion
/// on the same joined requests by a ``OnlineLearning/PairedBettingTest`` on the paired loss advantage, and promoted
/// once the test rejects "no better than ``Configuration/margin``" at level α / K (K challengers: the family-wise
/// chance of a false promotion stays ≤ α, however often it is checked).
///
/// - Outcomes: a **promotion** (or a **rollback** when the winner is the champion the current one replaced — the
///   rollback guard: the replaced champion stays on as a shadow and is tested like any challenger); a **retirement**
///   when a challenger is significantly worse (its futility e-value reaches 1/α): its test pauses for
///   ``Configuration/readmitAfter`` labels, doubling with each further retirement, then goes on where it was with its
///   bets sized afresh (never the champion the current one replaced: it is the rollback guard); otherwise it keeps
///   watching.
/// - Losses: 0/1 for classifiers; for regressors the absolute error clipped at a bound and divided by it, so the
///   paired advantage lies in [−1, 1]. The bound is ``Configuration/lossBound`` or, by default, 3 × the champion's
///   mean absolute error over the first ``Configuration/warmUp`` labels of its tenure (a value fixed before any of
///   the requests it is used on are tested, so the test stays valid); it is stated in the evidence.
/// - Restarts: every test starts afresh when the champion changes. Within one champion's tenure a challenger's test
///   that has lost wealth over ``Configuration/horizon`` labels starts over, so evidence from before a drift cannot
///   block a model that became better after it. Its k-th test in a tenure runs at level α / (K·k·(k+1)), and these
///   levels sum to α / K (α-spending), so restarts keep the guarantee. Pausing a test (retirement) spends nothing:
///   skipping labels by a rule fixed in advance of them keeps the wealth a supermartingale.
///
/// Only requests served by the current champion count: after a decision, examples still carrying the old champion
/// are skipped until the new champion's first one arrives; a champion the rule did not choose is adopted.
public struct SequentialPromotionRule: PromotionPolicy {
    /// The test's level, margin and restart policy.
    public struct Configuration: Sendable, Hashable {
        /// The family-wise chance of a false promotion, α ∈ (0, 1). Default: 0.05.
        public var alpha = 0.05
        /// How much better in mean loss the challenger must be, δ ≥ 0 (accuracy points for classifiers, a fraction of
        /// the loss bound for regressors). Default: 0.
        public var margin = 0.0
        /// Half-life, in labels, of the estimates the test's bets are sized from. Default: 2,000.
        public var halfLife = 2000.0
        /// Labels after which a challenger's test that has lost wealth (e-value below 1) starts over, spending more of
        /// α. Default: 25,000.
        public var horizon = 25_000
        /// Labels a retired challenger first waits before it is tested again; each further retirement in the same
        /// champion's tenure doubles the wait. Default: 5,000.
        public var readmitAfter = 5_000
        /// Labels a challenger's test must have compared before it may promote it (a rollback, the guard against a bad
        /// champion, needs none), or retire it (judged on the labels after them only: a young or restarted model's
        /// first errors say little of what it becomes): a promoted model serves a label delay after the evidence it won on, so an advantage
        /// that lasts fewer labels than that is gone before it is served — set it to about the label delay. Waiting
        /// for more evidence only rejects less often, so the level holds. Default: 1,000 (on elec, whose best model
        /// changes every few hundred labels, it cut the champion changes from up to 15 to at most 8 per run and kept
        /// every run above river's best; docs/promotion.md).
        public var minimumEvidence = 1_000
        /// Regressors: the absolute error at which losses are clipped (nil: 3 × the champion's MAE over the warm-up).
        public var lossBound: Double?
        /// Regressors: labels at the start of a tenure used to set the loss bound, not tested. Default: 200.
        public var warmUp = 200

        /// The defaults above.
        public init() {}

        /// Why the settings cannot be used, naming the setting; nil when they can.
        public var problem: String? {
            if !(alpha > 0 && alpha < 1) { return "alpha must be in (0, 1), not \(alpha)" }
            if !(margin >= 0 && margin < 1) { return "margin must be in [0, 1), not \(margin)" }
            if !(halfLife > 0) { return "halfLife must be positive, not \(halfLife)" }
            if horizon < 1 || readmitAfter < 1 || warmUp < 1 { return "horizon, readmitAfter and warmUp must be positive" }
            if minimumEvidence < 0 { return "minimumEvidence cannot be negative, not \(minimumEvidence)" }
            if let lossBound, !(lossBound > 0 && lossBound.isFinite) { return "lossBound must be positive, not \(lossBound)" }
            return nil
        }
    }

    /// One challenger's comparison with the current champion.
    struct Pair: Sendable, Hashable {
        var test: PairedBettingTest
        var bounds: EmpiricalBernsteinSequence
        /// Which test of this tenure it is (1, 2, …).
        var epoch: Int
        /// Labels compared in this test, and the label count when it started.
        var started: Int
        /// Mean losses of each side in this test (for the scores in the evidence).
        var championLoss = 0.0, challengerLoss = 0.0
        /// Retired until this label count.
        var retiredUntil: Int?
        /// Retirements so far in this tenure (each wait is twice the one before).
        var retirements = 0
        /// The bounds and the e-value as the test went on: at most ``Pair/trajectoryLimit`` points, evenly spaced.
        var trajectory: [Checkpoint] = []
        /// Labels between checkpoints (doubles when the trajectory is thinned).
        var checkpointEvery = 50

        /// Most checkpoints kept.
        static let trajectoryLimit = 64

        /// Notes the test's state every ``checkpointEvery`` labels, thinning to every other point when full.
        mutating func checkpoint() {
            guard test.count % checkpointEvery == 0 else { return }
            trajectory.append(Checkpoint(
                labels: test.count, lower: bounds.lower, upper: bounds.upper, logEValue: test.logWealth,
                logFutilityEValue: test.logFutilityWealth))
            if trajectory.count > Self.trajectoryLimit {
                trajectory = trajectory.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
                checkpointEvery *= 2
            }
        }
    }

    /// The state of a test at one point: labels compared, the confidence bounds, log of the e-value and of the
    /// futility e-value.
    struct Checkpoint: Sendable, Hashable {
        var labels: Int
        var lower: Double, upper: Double
        var logEValue: Double
        var logFutilityEValue: Double
    }

    /// The settings.
    public let configuration: Configuration
    /// Examples skipped because a champion other than the current one served them.
    public var skipped: Int { watch.skipped }
    /// Labels counted in the current champion's tenure.
    public private(set) var labels = 0

    private var watch = ChampionWatch()
    private var pairs: [String: Pair] = [:]
    private var restarts = ChallengerRestarts()
    private var warmUpErrors = 0.0, warmUpCount = 0
    private var bound: Double?

    /// Makes a rule.
    /// - Precondition: the configuration has no ``Configuration/problem`` (operators' values are checked where they
    ///   are read, with the flag's name).
    public init(configuration: Configuration = .init()) {
        if let problem = configuration.problem { preconditionFailure("Bad promotion settings: \(problem).") }
        self.configuration = configuration
    }

    /// Scores one joined example and decides when the evidence is in.
    public mutating func record(_ example: JoinedExample) -> PromotionDecision? {
        let served = example.champion
        switch watch.observe(served.model) {
        case .skip: return nil
        case .newTenure: startTenure()
        case .current: break
        }
        labels += 1
        guard let scale = lossScale(for: served, label: example.label) else { return nil }
        let others = example.shadows.filter { $0.model.id != served.model.id }
        // The family counts every challenger, including one whose pre-restart answers are skipped: the level α / K
        // must not rise while they are.
        let family = Double(max(1, others.count))
        let challengers = others.filter { restarts.isCurrent($0.model) }
        let championLoss = loss(served, example.label, scale)
        var best: (decision: PromotionDecision, logWealth: Double)?
        var retirement: PromotionDecision?
        for challenger in challengers {
            // Taken out of the dictionary while it changes (a shared copy would copy its trajectory on every update).
            var pair = pairs.removeValue(forKey: challenger.model.id) ?? newPair(epoch: 1)
            if let until = pair.retiredUntil {
                guard labels >= until else {
                    pairs[challenger.model.id] = pair
                    continue
                }
                // Back from retirement: the same test (same wealth, same level), with bets sized afresh.
                pair.retiredUntil = nil
                pair.test.resetBets()
            } else if labels - pair.started >= configuration.horizon, pair.test.logWealth < 0 {
                // A test that has lost wealth over a whole horizon starts over, spending more of α.
                pair = newPair(epoch: pair.epoch + 1)
            }
            let challengerLoss = loss(challenger, example.label, scale)
            pair.test.update(championLoss - challengerLoss)
            // A challenger is judged worse only on what follows its first `minimumEvidence` labels: a young or
            // restarted model's first errors say little of what it becomes.
            if pair.test.count == configuration.minimumEvidence { pair.test.restartFutility() }
            pair.bounds.update(championLoss - challengerLoss)
            pair.championLoss += championLoss
            pair.challengerLoss += challengerLoss
            pair.checkpoint()
            let level = configuration.alpha / (family * Double(pair.epoch * (pair.epoch + 1)))
            if pair.test.rejectsNull(at: level), pair.test.logWealth > (best?.logWealth ?? -.infinity),
                pair.test.count >= configuration.minimumEvidence || challenger.model.id == watch.previous?.id
            {
                best = (decide(.promotion, challenger.model, pair, level, served, family), pair.test.logWealth)
            } else if retirement == nil, challenger.model.id != watch.previous?.id,
                pair.test.count > configuration.minimumEvidence, pair.test.isFutile(at: configuration.alpha)
            {
                // The champion the current one replaced is the rollback guard: it is never retired.
                retirement = decide(.retirement, challenger.model, pair, configuration.alpha, served, family)
                pair.retirements += 1
                pair.retiredUntil = labels + configuration.readmitAfter << min(pair.retirements - 1, 16)
            }
            pairs[challenger.model.id] = pair
        }
        if var decision = best?.decision {
            if decision.winner.id == watch.previous?.id { decision.kind = .rollback }
            watch.decided(for: decision.winner)
            return decision
        }
        return retirement
    }

    /// The challenger's test gives up what it gained (``OnlineLearning/PairedBettingTest/forfeitGains()``: same test,
    /// same level, no α spent) and its evidence for the audit log starts afresh; a retirement stands. Answers of its
    /// versions before `model`'s are skipped from now on, in this tenure and the next.
    public mutating func challengerRestarted(_ model: ModelReference) {
        restarts.note(model)
        guard var pair = pairs.removeValue(forKey: model.id) else { return }
        pair.test.forfeitGains()
        pair.bounds = EmpiricalBernsteinSequence(alpha: configuration.alpha)
        pair.championLoss = 0
        pair.challengerLoss = 0
        pair.trajectory = []
        pair.checkpointEvery = 50
        pairs[model.id] = pair
    }

    // MARK: Helpers

    private mutating func startTenure() {
        pairs = [:]
        labels = 0
        warmUpErrors = 0
        warmUpCount = 0
        bound = nil
    }

    private func newPair(epoch: Int) -> Pair {
        var test = PairedBettingTest.Configuration()
        test.margin = configuration.margin
        test.halfLife = configuration.halfLife
        return Pair(
            test: PairedBettingTest(configuration: test), bounds: EmpiricalBernsteinSequence(alpha: configuration.alpha),
            epoch: epoch, started: labels)
    }

    /// 1 for classifiers; the regression loss bound once it is set (nil during the warm-up, when nothing is tested).
    private mutating func lossScale(for served: ModelOutput, label: Double) -> Double? {
        if served.isClassifier { return 1 }
        if let bound { return bound }
        if let fixed = configuration.lossBound {
            bound = fixed
            return fixed
        }
        let error = abs(served.answer - label)
        if error.isFinite {
            warmUpErrors += error
            warmUpCount += 1
        }
        if warmUpCount >= configuration.warmUp {
            bound = max(3 * warmUpErrors / Double(warmUpCount), 1e-9)
        }
        return nil
    }

    /// 0/1 loss, or the clipped absolute error over the bound.
    private func loss(_ output: ModelOutput, _ label: Double, _ scale: Double) -> Double {
        let value = output.loss(label: label)
        guard !output.isClassifier else { return value }
        return value.isFinite ? min(value, scale) / scale : 1
    }

    private func decide(
        _ kind: ModelEvent.Kind, _ challenger: ModelReference, _ pair: Pair, _ level: Double, _ served: ModelOutput,
        _ family: Double
    ) -> PromotionDecision {
        let n = Double(max(1, pair.test.count))
        let isClassifier = served.isClassifier
        let scale = bound ?? 1
        // Scores in the served metric: accuracy (1 − mean 0/1 loss) or the clipped MAE (mean loss × bound).
        let challengerScore = isClassifier ? 1 - pair.challengerLoss / n : pair.challengerLoss / n * scale
        let championScore = isClassifier ? 1 - pair.championLoss / n : pair.championLoss / n * scale
        let promoted = kind != .retirement
        var decision = PromotionDecision(
            kind: kind, winner: promoted ? challenger : served.model, loser: promoted ? served.model : challenger,
            samples: pair.test.count, winnerScore: promoted ? challengerScore : championScore,
            loserScore: promoted ? championScore : challengerScore)
        decision.metric = DriftMetric.headline(isClassifier: isClassifier)
        decision.details = [
            "rule": .text("sequential"),
            "test": .text(promoted
                ? "paired betting e-process (aGRAPA bets), H0: mean advantage <= margin"
                : "paired betting e-process (aGRAPA bets), H0: mean advantage >= 0 (futility)"),
            "alpha": .number(configuration.alpha), "margin": .number(configuration.margin),
            "level": .number(level), "challengers": .number(family), "epoch": .number(Double(pair.epoch)),
            "meanAdvantage": .number(pair.test.meanAdvantage),
            "recentAdvantage": .number(pair.test.recentAdvantage),
            "lowerBound": .number(pair.bounds.lower), "upperBound": .number(pair.bounds.upper),
            "boundsLevel": .number(configuration.alpha),
            "eValue": .number(promoted ? pair.test.eValue : pair.test.futilityEValue), "threshold": .number(1 / level),
            "challenger": .text("\(challenger.id) v\(challenger.version)"),
        ]
        if !isClassifier { decision.details["lossBound"] = .number(scale) }
        let points = pair.trajectory + [
            Checkpoint(
                labels: pair.test.count, lower: pair.bounds.lower, upper: pair.bounds.upper,
                logEValue: pair.test.logWealth, logFutilityEValue: pair.test.logFutilityWealth)
        ]
        // labels:lower:upper:log e-value:log futility e-value, oldest first (docs/promotion.md, "Evidence").
        decision.details["trajectory"] = .text(points.map {
            String(format: "%d:%.4f:%.4f:%.3f:%.3f", $0.labels, $0.lower, $0.upper, $0.logEValue, $0.logFutilityEValue)
        }.joined(separator: " "))
        return decision
    }
}
