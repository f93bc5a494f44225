import FlywheelEvents

// MARK: - PromotionRule

/// The first promotion rule (issue 3 allows a simple one; an anytime-valid sequential test replaces it later):
/// compare each shadow with the champion on the same joined requests, and promote the shadow once, over at least
/// ``minimumSamples`` shared requests since the current champion took over, its accuracy beats the champion's by
/// ``margin`` or more. A promoted champion that then trails the champion it replaced by ``margin`` over another
/// ``minimumSamples`` is rolled back.
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
                "rule": .text("accuracy margin over paired requests"), "samples": .number(Double(samples)),
                "winnerAccuracy": .number(winnerAccuracy), "loserAccuracy": .number(loserAccuracy),
            ]
        }
    }

    /// How many shared requests a comparison needs. Default: 2,000.
    public var minimumSamples: Int
    /// How much better (in accuracy) the challenger must be. Default: 0.02.
    public var margin: Double

    private var champion: ModelReference?
    private var previousChampion: ModelReference?
    /// Per challenger id: [shared requests, challenger right, champion right].
    private var tallies: [String: (model: ModelReference, samples: Int, challengerRight: Int, championRight: Int)] = [:]

    /// Makes a rule.
    public init(minimumSamples: Int = 2000, margin: Double = 0.02) {
        self.minimumSamples = minimumSamples
        self.margin = margin
    }

    /// Scores one joined example (champion first in `predictions`, as the inference engine writes them).
    /// - Returns: a decision, when one is due.
    public mutating func record(_ example: JoinedExample) -> Decision? {
        guard let served = example.predictions.first else { return nil }
        if champion?.id != served.model.id {
            // A new champion serves: comparisons start over.
            champion = served.model
            tallies = [:]
        }
        let label = example.label == 1 ? 1 : 0
        let championRight = Self.predictedClass(served) == label
        for challenger in example.predictions.dropFirst() {
            var tally = tallies[challenger.model.id] ?? (challenger.model, 0, 0, 0)
            tally.model = challenger.model
            tally.samples += 1
            if Self.predictedClass(challenger) == label { tally.challengerRight += 1 }
            if championRight { tally.championRight += 1 }
            tallies[challenger.model.id] = tally
        }
        guard let current = champion else { return nil }
        for (_, tally) in tallies where tally.samples >= minimumSamples {
            let challengerAccuracy = Double(tally.challengerRight) / Double(tally.samples)
            let championAccuracy = Double(tally.championRight) / Double(tally.samples)
            guard challengerAccuracy - championAccuracy >= margin else { continue }
            let isRollback = tally.model.id == previousChampion?.id
            previousChampion = current
            tallies = [:]
            return Decision(
                kind: isRollback ? .rollback : .promotion, winner: tally.model, loser: current, samples: tally.samples,
                winnerAccuracy: challengerAccuracy, loserAccuracy: championAccuracy)
        }
        return nil
    }

    private static func predictedClass(_ output: ModelOutput) -> Int {
        (output.probabilities?.last ?? output.answer) > 0.5 ? 1 : 0
    }
}
