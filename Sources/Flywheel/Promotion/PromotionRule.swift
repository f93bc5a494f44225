import FlywheelEvents

// MARK: - PromotionRule

/// The window rule: compare each shadow with the champion on the same joined requests — the last ``window`` requests the current
/// champion served — and promote the shadow once its accuracy on them beats the champion's by ``margin`` or more
/// (for regressors: once its mean absolute error is lower by that fraction of the champion's). A
/// promoted champion that then trails the champion it replaced by the margin over a full window is rolled back.
///
/// Only requests served by the current champion count: after a decision, examples still carrying the old champion
/// (scored before the switch reached the inference engine) are skipped until the new champion's first one arrives.
/// A champion the rule did not choose (an operator's promotion, a restart) is adopted when its examples arrive.
///
/// A plain value: feed it joined examples, read the decisions it returns.
public struct PromotionRule: PromotionPolicy {
    /// A decision and its evidence.
    public typealias Decision = PromotionDecision

    /// How many shared requests a comparison covers (the most recent ones). Default: 1,000.
    public var window: Int
    /// How much better (in accuracy) the challenger must be. Default: 0.02.
    public var margin: Double
    /// Examples skipped because a champion other than the current one served them.
    public var skipped: Int { watch.skipped }

    private var watch = ChampionWatch()
    private var tallies: [String: PairedWindow] = [:]
    private var restarts = ChallengerRestarts()

    /// Makes a rule.
    public init(window: Int = 1000, margin: Double = 0.02) {
        precondition(window > 0, "The promotion window must hold at least one request, not \(window).")
        self.window = window
        self.margin = margin
    }

    /// Scores one joined example: its champion against each of its shadows, on the same request.
    /// - Returns: a decision, when one is due.
    public mutating func record(_ example: JoinedExample) -> Decision? {
        let served = example.champion
        switch watch.observe(served.model) {
        case .skip: return nil
        case .newTenure: tallies = [:]
        case .current: break
        }
        let isClassifier = served.isClassifier
        let championLoss = served.loss(label: example.label)
        var best: (model: ModelReference, window: PairedWindow)?
        for challenger in example.shadows
        where challenger.model.id != served.model.id && restarts.isCurrent(challenger.model) {
            // Taken out of the dictionary while it changes (a shared copy would copy the whole window every time).
            var tally = tallies.removeValue(forKey: challenger.model.id) ?? PairedWindow(capacity: window)
            tally.append(challengerLoss: challenger.loss(label: example.label), championLoss: championLoss)
            tallies[challenger.model.id] = tally
            let advantage = isClassifier ? tally.lossAdvantage : tally.relativeLossAdvantage
            guard tally.isFull, advantage >= margin,
                advantage > (best.map { isClassifier ? $0.window.lossAdvantage : $0.window.relativeLossAdvantage } ?? -.infinity)
            else { continue }
            best = (challenger.model, tally)
        }
        guard let current = watch.champion, let (winner, tally) = best else { return nil }
        let isRollback = winner.id == watch.previous?.id
        watch.decided(for: winner)
        tallies = [:]
        var decision = Decision(
            kind: isRollback ? .rollback : .promotion, winner: winner, loser: current, samples: tally.count,
            winnerScore: isClassifier ? 1 - tally.challengerMeanLoss : tally.challengerMeanLoss,
            loserScore: isClassifier ? 1 - tally.championMeanLoss : tally.championMeanLoss)
        decision.metric = DriftMetric.headline(isClassifier: isClassifier)
        decision.details["rule"] = .text(isClassifier
            ? "accuracy margin over a window of paired requests"
            : "relative mean-absolute-error margin over a window of paired requests")
        return decision
    }

    /// Empties the challenger's window; answers of its versions before `model`'s are skipped from now on.
    public mutating func challengerRestarted(_ model: ModelReference) {
        restarts.note(model)
        tallies[model.id] = nil
    }
}

// MARK: - PairedWindow

/// The last `capacity` paired losses of a challenger and the champion on the same requests.
struct PairedWindow: Sendable {
    private var losses: [(challenger: Double, champion: Double)] = []
    private var next = 0
    private let capacity: Int
    private var challengerTotal = 0.0
    private var championTotal = 0.0

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { losses.count }
    var isFull: Bool { losses.count == capacity }
    var challengerMeanLoss: Double { challengerTotal / Double(max(1, count)) }
    var championMeanLoss: Double { championTotal / Double(max(1, count)) }
    /// How much lower the challenger's mean loss is (for 0/1 losses: the accuracy difference).
    var lossAdvantage: Double { championMeanLoss - challengerMeanLoss }
    /// The same as a fraction of the champion's mean loss.
    var relativeLossAdvantage: Double { championMeanLoss > 0 ? lossAdvantage / championMeanLoss : 0 }

    mutating func append(challengerLoss challenger: Double, championLoss champion: Double) {
        if losses.count < capacity {
            losses.append((challenger, champion))
        } else {
            challengerTotal -= losses[next].challenger
            championTotal -= losses[next].champion
            losses[next] = (challenger, champion)
            next = (next + 1) % capacity
        }
        challengerTotal += challenger
        championTotal += champion
    }
}
