import OnlineLearning
import Testing

/// The label guard's label-rate rule on its own: each prediction's fate in the join (labelled within the join window
/// or given up on) goes to ``LabelGuard/recordCoverage(_:)``. A labelled share that halves or doubles against the long
/// run pauses learning; back within a factor 1.5 it resumes. Outcomes are drawn from a seeded `SplitMix64`, so every
/// run sees the same ones.
@Suite("Label guard: the label rate")
struct LabelGuardRateTests {
    /// Feeds `count` outcomes labelled with chance `share`; returns the first change of state and after how many.
    static func feed(
        _ guardian: inout LabelGuard, _ count: Int, share: Double, random: inout SplitMix64
    ) -> (state: LabelGuard.State, after: Int)? {
        for index in 1...count {
            if let change = guardian.recordCoverage(Double.random(in: 0..<1, using: &random) < share) {
                return (change, index)
            }
        }
        return nil
    }

    /// Every prediction labelled, then only a quarter of them (a pipeline that labels one kind of request only):
    /// suspect once the window's share is below half the usual one; trusted when the labels come for all again.
    @Test func aLabelRateThatDropsPausesUntilItIsBack() {
        var guardian = LabelGuard()
        var random = SplitMix64(seed: 1)
        #expect(Self.feed(&guardian, 20_000, share: 1, random: &random) == nil)
        let paused = Self.feed(&guardian, 5_000, share: 0.25, random: &random)
        // Half the usual share (1.0) is 0.5: a window of 1,000 with a quarter labelled crosses it after ~667 outcomes.
        #expect(paused?.state == .suspect && guardian.cause == .labelRate, "\(String(describing: paused))")
        #expect((600...750).contains(paused?.after ?? 0), "\(String(describing: paused))")
        #expect(guardian.recentCoverage < 0.5 && guardian.usualCoverage > 0.9)
        #expect(guardian.record([(chance: 0.95, correct: true)], labelClass: 1) == nil, "answers do not end it")
        let resumed = Self.feed(&guardian, 5_000, share: 1, random: &random)
        // Within a factor 1.5 of 1.0 is ≥ 0.667: the quarter-labelled outcomes leave the window after ~560.
        #expect(resumed?.state == .trusted && (450...700).contains(resumed?.after ?? 0), "\(String(describing: resumed))")
        #expect(guardian.pauses == 1)
    }

    /// A stream where 30% of the predictions get labels, with labels missing in runs of 5 (as a client that never
    /// labels sends bursts), does not pause over 200,000 outcomes; the same stream at 10% does, and one at 80% too (the usual share follows slowly while it is trusted: 65% would not
    /// cross twice a usual share that has moved to 0.33 by then).
    @Test func aSteadyPartialRateDoesNotPauseAJumpDoes() {
        var guardian = LabelGuard()
        var random = SplitMix64(seed: 7)
        var changes = 0
        for _ in 0..<40_000 {
            let labelled = Double.random(in: 0..<1, using: &random) < 0.3
            for _ in 0..<5 where guardian.recordCoverage(labelled) != nil { changes += 1 }
        }
        #expect(changes == 0 && abs(guardian.usualCoverage - 0.3) < 0.03, "\(changes) \(guardian.usualCoverage)")
        var dropped = guardian, risen = guardian
        var droppedRandom = random, risenRandom = random
        let fell = Self.feed(&dropped, 3_000, share: 0.1, random: &droppedRandom)
        let rose = Self.feed(&risen, 3_000, share: 0.8, random: &risenRandom)
        #expect(fell?.state == .suspect && dropped.cause == .labelRate, "\(String(describing: fell))")
        #expect(rose?.state == .suspect && risen.cause == .labelRate, "\(String(describing: rose))")
    }

    /// Too few labels to tell (2% labelled: 20 expected in a window) or too early (the warm-up): the rule does not act.
    @Test func tooFewLabelsOrTooEarlyDoNotAct() {
        var sparse = LabelGuard()
        var random = SplitMix64(seed: 3)
        #expect(Self.feed(&sparse, 20_000, share: 0.02, random: &random) == nil)
        #expect(Self.feed(&sparse, 5_000, share: 0, random: &random) == nil, "a window expecting 20 labels is not judged")
        var early = LabelGuard()
        for _ in 0..<1_000 { #expect(early.recordCoverage(true) == nil) }
        for _ in 0..<999 { #expect(early.recordCoverage(false) == nil) }
        #expect(early.outcomes == 1_999 && early.state == .trusted, "the warm-up is 2,000 outcomes")
        #expect(early.recordCoverage(false) == .suspect, "the 2,000th judges: none labelled in the last 1,000 against about half usually")
    }

    /// An operator who trusts a new label rate (the service now labels fewer requests on purpose) is not overruled:
    /// the recent share becomes the usual one.
    @Test func trustingANewRateAdoptsIt() {
        var guardian = LabelGuard()
        var random = SplitMix64(seed: 5)
        _ = Self.feed(&guardian, 10_000, share: 0.9, random: &random)
        #expect(Self.feed(&guardian, 3_000, share: 0.3, random: &random)?.state == .suspect)
        guardian.trust()
        #expect(abs(guardian.usualCoverage - guardian.recentCoverage) < 1e-12 && guardian.state == .trusted)
        #expect(Self.feed(&guardian, 20_000, share: 0.3, random: &random) == nil)
    }
}
