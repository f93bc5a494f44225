import Foundation

// MARK: - PairedBettingTest

/// An anytime-valid test that a challenger's paired advantage over a champion exceeds a margin: testing by betting
/// (Waudby-Smith & Ramdas, "Estimating means of bounded random variables by betting", JRSS-B 2023; Shafer & Vovk's
/// game-theoretic probability).
///
/// Feed it, one request at a time, the paired advantage `x = championLoss − challengerLoss` ∈ [−1, 1] — both losses
/// on the same request, scored before either model learned its label (0/1 loss, or a clipped and scaled absolute
/// error). Under the null "the challenger's conditional mean advantage is at most `margin` at every step", the
/// wealth `K_t = Π (1 + λ_s (x_s − margin))` with bets `λ_s ∈ [0, 1/(1 + margin))` chosen from the past only is a
/// non-negative supermartingale with `K_0 = 1`, so by Ville's inequality `P(sup_t K_t ≥ 1/α) ≤ α`: rejecting when
/// the wealth reaches `1/α` keeps the false-promotion chance at most `α` however often it is checked and however long
/// it runs. ``eValue`` is `K_t`.
///
/// The bets follow aGRAPA (an approximation of the growth-rate-optimal bet, from the paper above): `λ = (m − margin)
/// / s²` with `m` and `s²` the mean and second moment of `x − margin` over recent requests (discounted with
/// ``Configuration/halfLife``), clipped to `[0, maxBet / (1 + margin)]`. Recent estimates keep the test alive after a
/// drift: while the challenger is no better, the bet is 0 and the wealth stays where it is instead of sinking, so
/// evidence gathered before a change does not block a challenger that becomes better after it. Any predictable bet
/// keeps the guarantee; the choice only moves power.
///
/// A second wealth bets the other way (the challenger is worse, null "mean advantage ≥ 0") for futility.
///
/// A plain value: feed it, read it.
public struct PairedBettingTest: Sendable, Hashable, Codable {
    /// The margin and how bets are sized.
    public struct Configuration: Sendable, Hashable, Codable {
        /// How much better (in mean loss) the challenger must be: δ ≥ 0. Default: 0.
        public var margin = 0.0
        /// Half-life, in requests, of the estimates the bets are sized from. Default: 2,000.
        public var halfLife = 2000.0
        /// The largest bet, as a fraction of the most the wealth can lose on one request. Default: 0.5.
        public var maxBet = 0.5

        /// The defaults above.
        public init() {}
    }

    /// The settings.
    public let configuration: Configuration
    /// Requests compared.
    public private(set) var count = 0
    /// Sum of the advantages.
    public private(set) var sum = 0.0
    /// log of the wealth betting on "better by more than the margin".
    public private(set) var logWealth = 0.0
    /// log of the wealth betting on "worse".
    public private(set) var logFutilityWealth = 0.0
    /// The largest log wealth reached so far.
    public private(set) var maxLogWealth = 0.0
    /// Discounted sums behind the bets: weight, Σ w·x, Σ w·x².
    private var weight = 0.0, weightedSum = 0.0, weightedSquares = 0.0
    /// The factor each label's weight shrinks by per label: 2^(−1 / half-life).
    private let decay: Double

    /// Starts with wealth 1 (no evidence).
    public init(configuration: Configuration = .init()) {
        precondition(configuration.margin >= 0 && configuration.margin < 1, "The margin must be in [0, 1), not \(configuration.margin).")
        precondition(configuration.halfLife > 0 && configuration.maxBet > 0 && configuration.maxBet < 1, "Bad bet sizing.")
        self.configuration = configuration
        decay = exp2(-1 / configuration.halfLife)
    }

    /// Takes one paired advantage.
    /// - Parameter advantage: champion's loss minus challenger's loss on the same request, in [−1, 1] (clamped).
    public mutating func update(_ advantage: Double) {
        let x = min(max(advantage.isFinite ? advantage : 0, -1), 1)
        let margin = configuration.margin
        // Bets from the past only (predictable), with a weak prior: mean 0, second moment 0.25, weight 20.
        let priorWeight = 20.0
        let mean = weightedSum / (weight + Self.meanShrinkage)
        let second = (weightedSquares + 0.25 * priorWeight) / (weight + priorWeight)
        let up = mean - margin
        let upSecond = max(second - 2 * margin * mean + margin * margin, 1e-6)
        let bet = min(max(up / upSecond, 0), configuration.maxBet / (1 + margin))
        let downBet = min(max(-mean / max(second, 1e-6), 0), configuration.maxBet)
        logWealth += log1p(bet * (x - margin))
        logFutilityWealth += log1p(-downBet * x)
        maxLogWealth = max(maxLogWealth, logWealth)
        count += 1
        sum += x
        weight = weight * decay + 1
        weightedSum = weightedSum * decay + x
        weightedSquares = weightedSquares * decay + x * x
    }

    /// How many labels' worth of "no advantage" the mean behind each bet starts with. A plug-in bet on a noisy mean
    /// loses wealth (its expected growth per label is about (μ² − Var(m̂)) / 2s²), so the mean is shrunk toward 0
    /// while it rests on few labels. Chosen on `flywheel-bench promotion` (500 runs, median labels to promotion for an
    /// advantage of 0.01 between correlated models): 0 (a weight of 20 shared with the second moment) 5,094; 100
    /// 4,925; 400 5,328; 800 5,697. Online Newton step bets (Cutkosky & Orabona 2018) took 6,200 and the average of
    /// both wealths 5,247 (100 runs each), so aGRAPA alone stays.
    static var meanShrinkage: Double { 100 }

    /// Forgets the estimates the bets are sized from, and starts the futility wealth again at 1; the wealth against
    /// "no better" stays. After a pause, bets start from the prior again instead of from what the comparison looked
    /// like before it (any predictable bet keeps the guarantee), and futility needs fresh evidence (a retirement is
    /// not an error the guarantee bounds).
    public mutating func resetBets() {
        logFutilityWealth = 0
        weight = 0
        weightedSum = 0
        weightedSquares = 0
    }

    /// Starts the comparison over for a challenger that started over (its evidence so far is about a model that no
    /// longer exists): the wealth against "no better" gives up what it gained — down to 1 if above, a loss stays —
    /// and the bets, the futility wealth and the counts start afresh. Scaling the wealth down by a factor fixed before
    /// the next label keeps it a non-negative supermartingale under the null, so the test keeps its level: no α is
    /// spent, unlike a new test would.
    public mutating func forfeitGains() {
        logWealth = min(logWealth, 0)
        maxLogWealth = logWealth
        count = 0
        sum = 0
        resetBets()
    }

    /// Starts the futility wealth again at 1 (the wealth against "no better" and the bets stay): futility is judged on
    /// the evidence from here on (a retirement is not an error the guarantee bounds).
    public mutating func restartFutility() {
        logFutilityWealth = 0
    }

    /// The e-value against "no better than the margin": the wealth `K_t`.
    public var eValue: Double { exp(logWealth) }

    /// The e-value against "at least as good" (for futility).
    public var futilityEValue: Double { exp(logFutilityWealth) }

    /// The mean advantage over recent requests (discounted with ``Configuration/halfLife``): what the bets are sized
    /// from, and what moves the wealth after a change.
    public var recentAdvantage: Double { weight > 0 ? weightedSum / weight : 0 }

    /// The mean advantage over every request compared.
    public var meanAdvantage: Double { count > 0 ? sum / Double(count) : 0 }

    /// Whether the evidence rejects "no better than the margin" at `level` (e.g. α/K for K challengers).
    public func rejectsNull(at level: Double) -> Bool { logWealth >= -log(level) }

    /// Whether the evidence rejects "at least as good" at `level`.
    public func isFutile(at level: Double) -> Bool { logFutilityWealth >= -log(level) }
}
