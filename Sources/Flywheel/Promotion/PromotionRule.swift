import FlywheelEvents

// MARK: - PromotionRule

/// The first promotion rule (issue 3 allows a simple one; an anytime-valid sequential test replaces it later):
/// compare each shadow with the champion on the same joined requests — the last ``window`` requests the current
/// champion served — and promote the shadow once its accuracy on them beats the champion's by ``margin`` or more. A
/// promoted champion that then trails the champion it replaced by the margin over a full window is rolled back.
///
/// Only requests served by the current champion count: after a decision, examples still carrying the old champion
/// (scored before the switch reached the inference engine) are skipped until the new champion's first one arrives.
/// A champion the rule did not choose (an operator's promotion, a restart) is adopted when its examples arrive.
///
/// A plain value: feed it joined examples, read the decisions it returns.
public struct PromotionRule: Sendable {
    /// A decision and its evidence.
    public struct Decision: Sendable, Hashable {
        /// Promotion or rollback.
        public var kind: ModelEvent.Kind
        /// The model that becomes champion.
        public var winner: ModelReference
        /// The champion it replaces.
        public var loser: ModelReference
        /// Shared requests compared.
        public var samples: Int
        /// Winner's accuracy on them.
        public var winnerAccuracy: Double
        /// Loser's accuracy on them.
        public var loserAccuracy: Double

        /// Makes a decision (the rule makes them; tests and tools may too).
        public init(
            kind: ModelEvent.Kind, winner: ModelReference, loser: ModelReference, samples: Int, winnerAccuracy: Double,
            loserAccuracy: Double
        ) {
            self.kind = kind
            self.winner = winner
            self.loser = loser
            self.samples = samples
            self.winnerAccuracy = winnerAccuracy
            self.loserAccuracy = loserAccuracy
        }

        /// The evidence as a model event's `evidence` field.
        public var evidence: [String: EvidenceValue] {
            [
                "rule": .text("accuracy margin over a window of paired requests"), "samples": .number(Double(samples)),
                "winnerAccuracy": .number(winnerAccuracy), "loserAccuracy": .number(loserAccuracy),
            ]
        }
    }

    /// How many shared requests a comparison covers (the most recent ones). Default: 1,000.
    public var window: Int
    /// How much better (in accuracy) the challenger must be. Default: 0.02.
    public var margin: Double
    /// Examples skipped because a champion other than the current one served them.
    public private(set) var skipped = 0

    private var champion: ModelReference?
    /// The champion a decision named, until its first example arrives.
    private var awaitedChampion: String?
    private var previousChampion: ModelReference?
    private var tallies: [String: PairedWindow] = [:]

    /// Makes a rule.
    public init(window: Int = 1000, margin: Double = 0.02) {
        precondition(window > 0, "The promotion window must hold at least one request, not \(window).")
        self.window = window
        self.margin = margin
    }

    /// Scores one joined example (champion first in `predictions`, as the inference engine writes them).
    /// - Returns: a decision, when one is due.
    public mutating func record(_ example: JoinedExample) -> Decision? {
        guard let served = example.predictions.first else { return nil }
        if let awaited = awaitedChampion {
            guard served.model.id == awaited else {
                skipped += 1
                return nil
            }
            awaitedChampion = nil
            champion = served.model
        } else if champion?.id != served.model.id {
            champion = served.model
            tallies = [:]
        }
        champion = served.model  // the newest version of the serving model
        let label = example.label == 1 ? 1 : 0
        let championRight = Self.predictedClass(served) == label
        var best: (model: ModelReference, window: PairedWindow)?
        for challenger in example.predictions.dropFirst() where challenger.model.id != served.model.id {
            var tally = tallies[challenger.model.id] ?? PairedWindow(capacity: window)
            tally.append(challengerRight: Self.predictedClass(challenger) == label, championRight: championRight)
            tallies[challenger.model.id] = tally
            guard tally.isFull, tally.advantage >= margin, tally.advantage > (best?.window.advantage ?? -.infinity) else { continue }
            best = (challenger.model, tally)
        }
        guard let current = champion, let (winner, tally) = best else { return nil }
        let isRollback = winner.id == previousChampion?.id
        previousChampion = current
        awaitedChampion = winner.id
        tallies = [:]
        return Decision(
            kind: isRollback ? .rollback : .promotion, winner: winner, loser: current, samples: tally.count,
            winnerAccuracy: tally.challengerAccuracy, loserAccuracy: tally.championAccuracy)
    }

    private static func predictedClass(_ output: ModelOutput) -> Int {
        (output.probabilities?.last ?? output.answer) > 0.5 ? 1 : 0
    }
}

// MARK: - PairedWindow

/// The last `capacity` paired outcomes of a challenger and the champion on the same requests.
struct PairedWindow: Sendable {
    private var outcomes: [(challenger: Bool, champion: Bool)] = []
    private var next = 0
    private let capacity: Int
    private(set) var challengerRight = 0
    private(set) var championRight = 0

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { outcomes.count }
    var isFull: Bool { outcomes.count == capacity }
    var challengerAccuracy: Double { Double(challengerRight) / Double(max(1, count)) }
    var championAccuracy: Double { Double(championRight) / Double(max(1, count)) }
    var advantage: Double { challengerAccuracy - championAccuracy }

    mutating func append(challengerRight challenger: Bool, championRight champion: Bool) {
        if outcomes.count < capacity {
            outcomes.append((challenger, champion))
        } else {
            let old = outcomes[next]
            if old.challenger { challengerRight -= 1 }
            if old.champion { championRight -= 1 }
            outcomes[next] = (challenger, champion)
            next = (next + 1) % capacity
        }
        if challenger { challengerRight += 1 }
        if champion { championRight += 1 }
    }
}
