import FeatureValues
import Flywheel
import FlywheelEvents
import OnlineLearning
import Testing

/// The first promotion rule, replayed with exact expectations.
@Suite("Promotion rule")
struct PromotionRuleTests {
    static let champion = ModelReference(id: "champion", version: 1)
    static let challenger = ModelReference(id: "challenger", version: 7)

    /// Request `index`: label alternates 1, 0; `servedRight`/`shadowRight` say whether each model is right.
    static func example(_ index: Int, served: ModelReference, shadow: ModelReference, servedRight: Bool, shadowRight: Bool) -> JoinedExample {
        let label = index % 2 == 0 ? 1.0 : 0.0
        func output(_ model: ModelReference, right: Bool) -> ModelOutput {
            let p = (label == 1) == right ? 0.9 : 0.1
            return ModelOutput(model: model, answer: p > 0.5 ? 1 : 0, probabilities: [1 - p, p])
        }
        return JoinedExample(
            requestId: "r\(index)", requestTs: 0, labelTs: 0, features: [:], label: label,
            champion: output(served, right: servedRight), shadows: [output(shadow, right: shadowRight)])
    }

    @Test func promotesAtTheFirstSampleWhereTheMarginHolds() {
        var rule = PromotionRule(window: 100, margin: 0.05)
        var decision: PromotionRule.Decision?
        var decidedAt: Int?
        for index in 0..<1000 where decision == nil {
            // Champion right 60% of the time, challenger 70%.
            decision = rule.record(Self.example(
                index, served: Self.champion, shadow: Self.challenger,
                servedRight: index % 10 < 6, shadowRight: index % 10 < 7))
            if decision != nil { decidedAt = index }
        }
        #expect(decidedAt == 99, "the first moment with 100 shared requests")
        #expect(decision?.kind == .promotion)
        #expect(decision?.winner == Self.challenger && decision?.loser == Self.champion)
        #expect(decision?.samples == 100)
        #expect(decision.map { abs($0.winnerScore - 0.7) < 1e-12 && abs($0.loserScore - 0.6) < 1e-12 } == true)
        #expect(decision?.evidence["samples"] == .number(100))
    }

    @Test func noPromotionWithoutTheMargin() {
        var rule = PromotionRule(window: 100, margin: 0.05)
        for index in 0..<5000 {
            // 62% against 60%: better, but not by the margin.
            let decision = rule.record(Self.example(
                index, served: Self.champion, shadow: Self.challenger,
                servedRight: index % 50 < 30, shadowRight: index % 50 < 31))
            #expect(decision == nil)
        }
    }

    @Test func aPromotedChampionThatTrailsIsRolledBack() {
        var rule = PromotionRule(window: 100, margin: 0.05)
        for index in 0..<100 {
            _ = rule.record(Self.example(index, served: Self.champion, shadow: Self.challenger,
                                         servedRight: index % 10 < 6, shadowRight: index % 10 < 7))
        }
        // Now the challenger serves and the old champion shadows it, and does better by 20 points.
        var rollback: PromotionRule.Decision?
        for index in 100..<400 where rollback == nil {
            rollback = rule.record(Self.example(index, served: Self.challenger, shadow: Self.champion,
                                                servedRight: index % 10 < 5, shadowRight: index % 10 < 7))
        }
        #expect(rollback?.kind == .rollback)
        #expect(rollback?.winner == Self.champion && rollback?.loser == Self.challenger)
    }

    @Test func theWindowForgetsAnOldLeadAndSkipsExamplesOfTheReplacedChampion() {
        var rule = PromotionRule(window: 100, margin: 0.05)
        // 1,000 requests where the champion is far better, then the challenger becomes better by 20 points.
        for index in 0..<1000 {
            #expect(rule.record(Self.example(index, served: Self.champion, shadow: Self.challenger,
                                             servedRight: true, shadowRight: index % 2 == 0)) == nil)
        }
        var decidedAt: Int?
        for index in 1000..<2000 where decidedAt == nil {
            if rule.record(Self.example(index, served: Self.champion, shadow: Self.challenger,
                                        servedRight: index % 10 < 6, shadowRight: index % 10 < 8)) != nil {
                decidedAt = index
            }
        }
        // The window of 100 first shows a 5-point lead once about a third of it holds the new behaviour.
        #expect(decidedAt.map { $0 > 1000 && $0 < 1100 } == true, "decided at \(String(describing: decidedAt))")
        // Examples the old champion served after the decision are skipped, however they look.
        for index in 2000..<2300 {
            #expect(rule.record(Self.example(index, served: Self.champion, shadow: Self.challenger,
                                             servedRight: false, shadowRight: true)) == nil)
        }
        #expect(rule.skipped == 300)
    }

    @Test func regressorsArePromotedOnARelativeMAEMargin() {
        var rule = PromotionRule(window: 100, margin: 0.1)
        // Champion off by 2.0, challenger by 1.9 (5% better): no promotion. Then the challenger is off by 1.5 (25%).
        func example(_ index: Int, challengerError: Double) -> JoinedExample {
            JoinedExample(
                requestId: "r\(index)", requestTs: 0, labelTs: 0, features: [:], label: 10,
                champion: ModelOutput(model: Self.champion, answer: 12, probabilities: nil),
                shadows: [ModelOutput(model: Self.challenger, answer: 10 - challengerError, probabilities: nil)])
        }
        for index in 0..<500 { #expect(rule.record(example(index, challengerError: 1.9)) == nil) }
        var decision: PromotionRule.Decision?
        for index in 500..<700 where decision == nil { decision = rule.record(example(index, challengerError: 1.5)) }
        #expect(decision?.metric == .mae && decision?.winner == Self.challenger)
        // 5% → 25% better: the window's mean error falls below 1.8 when 4/5 of it... (1.9·k + 1.5·(100−k))/100 ≤ 1.8 → k ≤ 75.
        #expect(decision.map { abs($0.loserScore - 2) < 1e-9 && $0.winnerScore <= 1.8 + 1e-9 } == true)
        #expect(decision?.evidence["metric"] == .text("mae"))
    }

    @Test func modelSetSwapsChampionAndShadow() throws {
        let schema = FeatureSchema(features: [.init(name: "a", kind: .numeric)], hashWidth: 1)
        let pipeline = try FeaturePipeline(schema: schema)
        let served = ServedModel(reference: Self.champion, pipeline: pipeline, model: LogisticRegression(dimension: pipeline.dimension))
        var better = LogisticRegression(dimension: pipeline.dimension)
        better.learn([1, 0, 0], label: 1)
        let shadow = ServedModel(reference: ModelReference(id: "challenger", version: 9), pipeline: pipeline, model: better)
        let set = ModelSet(champion: served, shadows: [shadow])
        let promoted = set.promoting(Self.challenger, replacing: Self.champion)
        #expect(promoted.champion == shadow, "matched by id: the shadow's newest version serves")
        #expect(promoted.shadows == [served])
        #expect(set.promoting(ModelReference(id: "nobody", version: 1), replacing: Self.champion) == set)
        #expect(set.promoting(Self.challenger, replacing: ModelReference(id: "someone-else", version: 1)) == set)
    }
}
