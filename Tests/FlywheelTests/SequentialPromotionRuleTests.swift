import Flywheel
import FlywheelEvents
import OnlineLearning
import Testing

/// The sequential promotion rule: its false-promotion rate under A/A stays within α (where the window rule's does
/// not), it finds a real advantage, rolls back a champion that turns bad, retires a clearly worse challenger, and
/// says why in its evidence.
@Suite("Sequential promotion rule")
struct SequentialPromotionRuleTests {
    static let champion = ModelReference(id: "champion", version: 1)
    static let challenger = ModelReference(id: "challenger", version: 1)

    /// 200 seeded A/A runs of 5,000 labels with one challenger: under α = 0.05 at most 10% may promote (a bound a rule
    /// that tests too often breaks: the window rule, checked on every label, promotes in nearly every run).
    @Test func aaFalsePromotionsStayWithinAlpha() {
        let simulation = PromotionSimulation(.init(challengers: 1, advantage: 0, sharedErrors: 0, labels: 5000))
        let sequential = (0..<200).count { simulation.run(SequentialPromotionRule(), seed: UInt64($0)).label != nil }
        let window = (0..<200).count {
            simulation.run(PromotionRule(window: 500, margin: 0.02), seed: UInt64($0)).label != nil
        }
        #expect(sequential <= 20, "\(sequential) of 200 A/A runs promoted")
        #expect(window >= 100, "the window rule is the contrast: \(window) of 200 promoted")
    }

    /// Three challengers with errors shared 80%: still within α family-wise.
    @Test func aaWithThreeCorrelatedChallengersStaysWithinAlpha() {
        let simulation = PromotionSimulation(.init(challengers: 3, advantage: 0, sharedErrors: 0.8, labels: 5000))
        let promoted = (0..<200).count { simulation.run(SequentialPromotionRule(), seed: 1000 + UInt64($0)).label != nil }
        #expect(promoted <= 20, "\(promoted) of 200 A/A runs promoted")
    }

    /// A challenger better by 5 accuracy points is promoted in every run, within 3,000 labels.
    @Test func aClearAdvantageIsPromoted() {
        let simulation = PromotionSimulation(.init(challengers: 1, advantage: 0.05, sharedErrors: 0, labels: 3000))
        let outcomes = (0..<20).map { simulation.run(SequentialPromotionRule(), seed: 77 + UInt64($0)) }
        #expect(outcomes.allSatisfy { $0.decision?.winner.id == "challenger-0" && $0.decision?.kind == .promotion })
    }

    /// The evidence names the test, its level and margin, and its bounds contain the mean advantage.
    @Test func evidenceStatesTheTestAndItsBounds() throws {
        let simulation = PromotionSimulation(.init(challengers: 1, advantage: 0.05, sharedErrors: 0.8, labels: 5000))
        let decision = try #require(simulation.run(SequentialPromotionRule(), seed: 5).decision)
        let evidence = decision.evidence
        func number(_ key: String) -> Double? { if case .number(let value) = evidence[key] { value } else { nil } }
        #expect(evidence["rule"] == .text("sequential"))
        #expect(number("alpha") == 0.05 && number("margin") == 0 && number("level") == 0.05 / 2)
        let eValue = try #require(number("eValue")), threshold = try #require(number("threshold"))
        #expect(eValue >= threshold && threshold == 40)
        let mean = try #require(number("meanAdvantage"))
        #expect(try #require(number("lowerBound")) <= mean && mean <= (try #require(number("upperBound"))))
        #expect(decision.winnerScore > decision.loserScore && decision.samples > 0)
    }

    /// A promoted champion that starts answering badly (its answers flipped) is rolled back to the champion it
    /// replaced, within 400 labels of the change (docs/promotion.md).
    @Test func aChampionThatTurnsBadIsRolledBack() throws {
        var rule = SequentialPromotionRule()
        var random = SplitMix64(seed: 11)
        func output(_ model: ModelReference, truth: Int, error: Double) -> ModelOutput {
            let answer = random.nextUnit() < error ? 1 - truth : truth
            return ModelOutput(model: model, answer: Double(answer), probabilities: answer == 1 ? [0.2, 0.8] : [0.8, 0.2])
        }
        func example(served: ModelReference, errors: (served: Double, other: Double), other: ModelReference) -> JoinedExample {
            let truth = random.nextBit()
            return JoinedExample(
                requestId: "", requestTs: 0, labelTs: 0, features: [:], label: Double(truth),
                champion: output(served, truth: truth, error: errors.served),
                shadows: [output(other, truth: truth, error: errors.other)])
        }
        var promotion: PromotionDecision?
        for _ in 0..<5000 where promotion == nil {
            promotion = rule.record(example(served: Self.champion, errors: (0.2, 0.1), other: Self.challenger))
        }
        #expect(promotion?.kind == .promotion && promotion?.winner == Self.challenger)
        // The challenger now serves; a few more labels of it being good, then its answers flip.
        for _ in 0..<500 { #expect(rule.record(example(served: Self.challenger, errors: (0.1, 0.2), other: Self.champion)) == nil) }
        var rolledBackAfter: Int?
        for index in 1...2000 where rolledBackAfter == nil {
            if let decision = rule.record(example(served: Self.challenger, errors: (0.9, 0.2), other: Self.champion)) {
                #expect(decision.kind == .rollback && decision.winner == Self.champion)
                rolledBackAfter = index
            }
        }
        let labels = try #require(rolledBackAfter)
        #expect(labels <= 400, "rolled back after \(labels) labels")
    }

    /// A challenger far better from the first label is promoted within a few dozen labels without a minimum, and only
    /// once it has been compared on `minimumEvidence` labels with one (a rollback needs none:
    /// `aChampionThatTurnsBadIsRolledBack` runs with the default 1,000).
    @Test func aShortAdvantageIsNotPromotedBeforeTheMinimumEvidence() throws {
        func promotedAfter(minimumEvidence: Int) -> Int? {
            var configuration = SequentialPromotionRule.Configuration()
            configuration.minimumEvidence = minimumEvidence
            var rule = SequentialPromotionRule(configuration: configuration)
            var random = SplitMix64(seed: 8)
            for label in 1...3000 {
                let truth = random.nextBit()
                let wrong = random.nextUnit() < 0.5 ? 1 - truth : truth
                let example = JoinedExample(
                    requestId: "", requestTs: 0, labelTs: 0, features: [:], label: Double(truth),
                    champion: ModelOutput(model: Self.champion, answer: Double(wrong), probabilities: wrong == 1 ? [0, 1] : [1, 0]),
                    shadows: [ModelOutput(model: Self.challenger, answer: Double(truth), probabilities: truth == 1 ? [0, 1] : [1, 0])])
                if let decision = rule.record(example) {
                    #expect(decision.kind == .promotion && decision.samples == label)
                    return label
                }
            }
            return nil
        }
        let unhindered = try #require(promotedAfter(minimumEvidence: 0))
        #expect(unhindered < 100, "promoted after \(unhindered) labels")
        #expect(promotedAfter(minimumEvidence: 1000) == 1000)
        #expect(SequentialPromotionRule.Configuration().minimumEvidence == 1000)
    }

    /// A challenger that starts over (the trainer restarted it) is judged on its new versions only: the evidence its
    /// earlier versions gathered is forfeited — a rule not told of the restart promotes on it, the told one does not,
    /// not even on the earlier versions' answers still arriving — and its new versions win on their own evidence.
    @Test func aRestartedChallengerIsJudgedOnItsNewVersionsOnly() throws {
        var random = SplitMix64(seed: 21)
        func example(challenger: ModelReference, errors: (champion: Double, challenger: Double)) -> JoinedExample {
            let truth = random.nextBit()
            func output(_ model: ModelReference, _ error: Double) -> ModelOutput {
                let answer = random.nextUnit() < error ? 1 - truth : truth
                return ModelOutput(model: model, answer: Double(answer), probabilities: answer == 1 ? [0.2, 0.8] : [0.8, 0.2])
            }
            return JoinedExample(
                requestId: "", requestTs: 0, labelTs: 0, features: [:], label: Double(truth),
                champion: output(Self.champion, errors.champion), shadows: [output(challenger, errors.challenger)])
        }
        let old = ModelReference(id: "challenger", version: 3), restarted = ModelReference(id: "challenger", version: 9)
        let before = (0..<3000).map { _ in example(challenger: old, errors: (0.2, 0.05)) }
        var untold = SequentialPromotionRule()
        let promotedAt = try #require(before.firstIndex { untold.record($0) != nil }, "the old versions earn a promotion")
        var told = SequentialPromotionRule()
        for example in before[..<(promotedAt - 1)] { #expect(told.record(example) == nil) }
        told.challengerRestarted(restarted)
        for example in before[(promotedAt - 1)...] { #expect(told.record(example) == nil, "an earlier version's answer") }
        for _ in 0..<2000 { #expect(told.record(example(challenger: restarted, errors: (0.2, 0.2))) == nil, "no better") }
        var decision: PromotionDecision?
        var fed = 0
        while decision == nil, fed < 3000 {
            decision = told.record(example(challenger: restarted, errors: (0.2, 0.05)))
            fed += 1
        }
        let promotion = try #require(decision)
        #expect(promotion.kind == .promotion && promotion.winner == restarted)
        #expect(promotion.samples <= 2000 + fed, "evidence counted since the restart: \(promotion.samples)")

        // The promoter reads restarts off the models topic; a plain version is skipped by its first bytes.
        let topics = LoopTopics()
        let restart = ModelEvent(
            kind: .version, ts: 1, model: restarted, weights: "AAAA", evidence: [EvidenceKey.reason: .text(ModelEvent.restartReason)])
        guard case .restart(let model) = try PromoterRole.decode(topic: topics.models, value: EventDecoding.encode(restart), topics: topics)
        else { Issue.record("a restart is read as one"); return }
        #expect(model == restarted)
        let plain = ModelEvent(kind: .version, ts: 1, model: restarted, weights: "AAAA")
        guard case .otherModelEvent = try PromoterRole.decode(topic: topics.models, value: EventDecoding.encode(plain), topics: topics)
        else { Issue.record("a plain version is nothing to the promoter"); return }
        var gains = PairedBettingTest()
        for _ in 0..<200 { gains.update(0.3) }
        #expect(gains.logWealth > 0)
        gains.forfeitGains()
        #expect(gains.logWealth == 0 && gains.count == 0, "gains forfeited, down to 1")
    }

    /// While a restarted challenger's earlier answers are skipped, the other challengers' level stays α / K with K
    /// counting it: skipping must not loosen the family-wise guarantee.
    @Test func skippedAnswersDoNotShrinkTheFamily() throws {
        var rule = SequentialPromotionRule()
        let stale = ModelReference(id: "fresh", version: 2), better = ModelReference(id: "better", version: 1)
        rule.challengerRestarted(ModelReference(id: "fresh", version: 5))
        var random = SplitMix64(seed: 4)
        var decision: PromotionDecision?
        for _ in 0..<5000 where decision == nil {
            let truth = random.nextBit()
            let wrong = random.nextUnit() < 0.3 ? 1 - truth : truth
            func output(_ model: ModelReference, _ answer: Int) -> ModelOutput {
                ModelOutput(model: model, answer: Double(answer), probabilities: answer == 1 ? [0, 1] : [1, 0])
            }
            decision = rule.record(JoinedExample(
                requestId: "", requestTs: 0, labelTs: 0, features: [:], label: Double(truth),
                champion: output(Self.champion, wrong), shadows: [output(stale, wrong), output(better, truth)]))
        }
        let promotion = try #require(decision)
        #expect(promotion.winner == better && promotion.evidence["level"] == .number(0.05 / (2 * 2)), "α / (K · k(k+1)) with K = 2, k = 1")
    }

    /// A challenger much worse than the champion is retired (once), with the futility evidence gathered after its
    /// first `minimumEvidence` labels (1,000), and is not tested again until its wait is over.
    @Test func aClearlyWorseChallengerIsRetired() throws {
        var configuration = SequentialPromotionRule.Configuration()
        configuration.readmitAfter = 3000
        var rule = SequentialPromotionRule(configuration: configuration)
        var random = SplitMix64(seed: 3)
        var retirements: [(Int, PromotionDecision)] = []
        for index in 1...5000 {
            let truth = random.nextBit()
            let good = random.nextUnit() < 0.1 ? 1 - truth : truth
            let bad = random.nextUnit() < 0.4 ? 1 - truth : truth
            let example = JoinedExample(
                requestId: "", requestTs: 0, labelTs: 0, features: [:], label: Double(truth),
                champion: ModelOutput(model: Self.champion, answer: Double(good), probabilities: good == 1 ? [0, 1] : [1, 0]),
                shadows: [ModelOutput(model: Self.challenger, answer: Double(bad), probabilities: bad == 1 ? [0, 1] : [1, 0])])
            if let decision = rule.record(example) { retirements.append((index, decision)) }
        }
        let (first, decision) = try #require(retirements.first)
        #expect(decision.kind == .retirement && decision.loser == Self.challenger && decision.winner == Self.champion)
        #expect(first > 1000 && first < 1500, "retired at label \(first): judged on the labels after the first 1,000")
        #expect(retirements.count == 2 && retirements[1].0 >= first + 3000, "tested again only after the wait: \(retirements.map(\.0))")
        if case .number(let eValue) = decision.evidence["eValue"] { #expect(eValue >= 20) } else { Issue.record("no e-value") }
        // Both advantages are the challenger's: negative for a challenger retired as worse.
        guard case .number(let mean) = decision.evidence["meanAdvantage"], case .number(let recent) = decision.evidence["recentAdvantage"]
        else { Issue.record("no advantages"); return }
        #expect(mean < 0 && recent < 0)
    }

    /// Regressors are compared on the clipped absolute error; the bound is set from the warm-up and stated.
    @Test func regressorsAreComparedOnABoundedError() throws {
        var rule = SequentialPromotionRule()
        var random = SplitMix64(seed: 9)
        var decision: PromotionDecision?
        var index = 0
        while decision == nil && index < 20_000 {
            index += 1
            let truth = random.nextUnit() * 10
            let example = JoinedExample(
                requestId: "", requestTs: 0, labelTs: 0, features: [:], label: truth,
                champion: ModelOutput(model: Self.champion, answer: truth + (random.nextUnit() - 0.5) * 4),
                shadows: [ModelOutput(model: Self.challenger, answer: truth + (random.nextUnit() - 0.5) * 3)])
            decision = rule.record(example)
        }
        let found = try #require(decision)
        #expect(found.kind == .promotion && found.metric == .mae && found.winnerScore < found.loserScore)
        guard case .number(let bound) = found.evidence["lossBound"] else { Issue.record("no loss bound"); return }
        #expect(abs(bound - 3.0) < 0.3, "3 × the champion's MAE (1.0) over the warm-up, got \(bound)")
    }

    /// Settings an operator can get wrong are named.
    @Test func badSettingsAreNamed() {
        var configuration = SequentialPromotionRule.Configuration()
        #expect(configuration.problem == nil)
        configuration.alpha = 1
        #expect(configuration.problem?.contains("alpha") == true)
        configuration.alpha = 0.05
        configuration.margin = -0.1
        #expect(configuration.problem?.contains("margin") == true)
    }
}

/// The betting e-process and the confidence sequence on their own.
@Suite("Paired betting test and empirical-Bernstein sequence")
struct PairedBettingTestTests {
    /// With no advantage at all the wealth never moves; with a steady advantage it grows; against a worse
    /// challenger it does not bet (the wealth stays at 1) while the futility wealth grows.
    @Test func wealthFollowsTheEvidence() {
        var flat = PairedBettingTest(), better = PairedBettingTest(), worse = PairedBettingTest()
        for index in 0..<2000 {
            flat.update(0)
            better.update(index % 5 == 0 ? 1 : 0)  // mean advantage 0.2
            worse.update(index % 5 == 0 ? -1 : 0)
        }
        #expect(flat.eValue == 1 && flat.futilityEValue == 1)
        #expect(better.eValue > 1e6 && better.rejectsNull(at: 0.05))
        #expect(worse.eValue <= 1 && worse.isFutile(at: 0.05) && !worse.rejectsNull(at: 0.05))
    }

    /// The confidence sequence covers the true mean at every step in at least 95% of seeded runs.
    @Test func confidenceSequenceCoversTheMean() {
        var misses = 0
        for run in 0..<200 {
            var random = SplitMix64(seed: UInt64(run) + 500)
            var sequence = EmpiricalBernsteinSequence(alpha: 0.05)
            var missed = false
            for _ in 0..<2000 {
                let u = random.nextUnit()
                sequence.update(u < 0.1 ? 1 : u < 0.15 ? -1 : 0)  // mean 0.05
                if sequence.lower > 0.05 || sequence.upper < 0.05 { missed = true }
            }
            if missed { misses += 1 }
            #expect(sequence.lower < sequence.upper)
        }
        #expect(misses <= 10, "\(misses) of 200 runs left the mean outside the bounds at some step")
    }
}
