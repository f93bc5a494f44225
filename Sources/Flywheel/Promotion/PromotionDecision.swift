import FlywheelEvents

// MARK: - PromotionPolicy

/// Decides, from joined examples, when a challenger replaces the champion (``PromotionRule``: the window rule;
/// ``SequentialPromotionRule``: the anytime-valid test). A plain value: feed it examples, read the decisions.
public protocol PromotionPolicy: Sendable {
    /// Scores one joined example: its champion against each of its shadows, on the same request.
    /// - Returns: a decision, when one is due.
    mutating func record(_ example: JoinedExample) -> PromotionDecision?

    /// A challenger started over from nothing at `model`'s version (the trainer's restart after a drift alarm): the
    /// evidence gathered so far is about a model that no longer exists, and answers of its earlier versions still
    /// arriving (their labels come a label delay later) are not evidence about the new one.
    mutating func challengerRestarted(_ model: ModelReference)
}

// MARK: - PromotionDecision

/// A decision and its evidence: a promotion, a rollback, or a challenger retired.
public struct PromotionDecision: Sendable, Hashable {
    /// Promotion, rollback (the winner is the champion the loser replaced), or retirement (the winner stays champion;
    /// the loser, a challenger, stops being tested for a while).
    public var kind: ModelEvent.Kind
    /// The model that is champion after the decision.
    public var winner: ModelReference
    /// The model that lost: the replaced champion, or the retired challenger.
    public var loser: ModelReference
    /// Shared requests compared.
    public var samples: Int
    /// Winner's score on them: accuracy, or mean absolute error for regressors (see ``metric``).
    public var winnerScore: Double
    /// Loser's score on them, in the same metric.
    public var loserScore: Double
    /// ``FlywheelEvents/DriftMetric/accuracy`` (classifiers) or ``FlywheelEvents/DriftMetric/mae`` (regressors).
    public var metric = DriftMetric.accuracy
    /// What the rule says about itself and the statistics behind the decision (test, level, bounds, e-value, …).
    public var details: [String: EvidenceValue] = [:]

    /// Makes a decision (the rules make them; tests and tools may too).
    public init(
        kind: ModelEvent.Kind, winner: ModelReference, loser: ModelReference, samples: Int, winnerScore: Double,
        loserScore: Double
    ) {
        self.kind = kind
        self.winner = winner
        self.loser = loser
        self.samples = samples
        self.winnerScore = winnerScore
        self.loserScore = loserScore
    }

    /// The evidence as a model event's `evidence` field: the rule's details with the samples and scores.
    public var evidence: [String: EvidenceValue] {
        details.merging([
            "samples": .number(Double(samples)), "metric": .text(metric.rawValue),
            "winnerScore": .number(winnerScore), "loserScore": .number(loserScore),
        ]) { $1 }
    }

    /// Whether the decision changes the champion (a promotion or a rollback).
    public var changesChampion: Bool { kind == .promotion || kind == .rollback }
}
