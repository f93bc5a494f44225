import Flywheel
import FlywheelEvents
import Foundation
import OnlineLearning
import Testing

/// The label guard's label-rate rule in the feedback core (a plain value, no broker): each prediction's fate in the
/// join — joined with its label, or given up on when the join window ends — is an outcome for the guard. When labels
/// stop coming for most requests (a labelling pipeline that now labels one kind of request only: a biased subset),
/// learning pauses; when they come for all again, it resumes.
@Suite("Feedback role: the label rate")
struct FeedbackLabelRateTests {
    typealias Helpers = FeedbackLabelMatchTests

    @Test func labelsForAQuarterOfTheRequestsPauseLearningUntilAllAreLabelledAgain() throws {
        var configuration = FeedbackRole<ContinuousClock.Instant>.Configuration()
        configuration.window = .seconds(10)
        let start = ContinuousClock.now
        var role = try FeedbackRole(configuration: configuration, at: start)
        func at(_ seconds: Int) -> BatchTime<ContinuousClock.Instant> {
            BatchTime(instant: start.advanced(by: .seconds(seconds)), wallClock: Double(seconds))
        }
        var offset = 0
        func labels(_ indices: some Sequence<Int>) -> [Consumed<Incoming>] {
            indices.map { index in
                offset += 1
                return Helpers.label("r\(index)", offset: offset)
            }
        }

        // 3,000 requests, every one labelled.
        var publications = role.handle((0..<3_000).map(Helpers.prediction), at: at(0))
        publications += role.handle(labels(0..<3_000), at: at(1))
        #expect(Helpers.guardReports(publications).isEmpty && role.join.counters.joined == 3_000)

        // 3,000 more, only every fourth labelled; the rest are given up on when the window ends.
        publications = role.handle((3_000..<6_000).map(Helpers.prediction), at: at(2))
        publications += role.handle(labels(stride(from: 3_000, to: 6_000, by: 4)), at: at(3))
        #expect(Helpers.guardReports(publications).isEmpty, "nothing is judged before the window gives up on a prediction")
        publications = role.handle([], at: at(13))
        #expect(role.join.counters.unlabeledPredictions == 2_250)
        let paused = Helpers.guardReports(publications)
        #expect(paused.count == 1 && paused.first?[.labelsSuspect] == 1 && role.labelGuard?.cause == .labelRate)
        let recent = paused.first?[.recentLabelCoverage] ?? 1, usual = paused.first?[.usualLabelCoverage] ?? 0
        #expect(recent < usual / 2 && usual > 0.8, "recent \(recent), usual \(usual)")

        // Labels for every request again: the first ones are held back with the reason, then the guard trusts them.
        publications = role.handle((6_000..<9_000).map(Helpers.prediction), at: at(14))
        publications += role.handle(labels(6_000..<9_000), at: at(15))
        let held = publications.compactMap { if case .held(let letter, _) = $0 { letter } else { nil } }
        #expect(held.count > 100 && held.count < 1_000 && role.labelsHeldBack == held.count, "\(held.count) held")
        #expect(held.first?.reason.contains("predictions were labelled within the join window") == true, "\(held.first?.reason ?? "")")
        let resumed = Helpers.guardReports(publications)
        #expect(resumed.count == 1 && resumed.first?[.labelsSuspect] == 0 && role.labelGuard?.state == .trusted)
        let examples = publications.filter { if case .example = $0 { true } else { false } }.count
        #expect(examples + held.count == 3_000, "every joined example either held back or published")
    }
}
