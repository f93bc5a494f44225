import Flywheel
import FlywheelEvents
import Foundation
import OnlineLearning
import Testing

/// The label guard's unknown-id rule in the feedback core (a plain value, no broker): labels that name requests no
/// prediction was seen for — ids shifted or mis-keyed by a broken labelling pipeline — pause learning once half of the
/// latest 200 resolved labels are such, hold back the joined examples that still match meanwhile (a mis-keyed label
/// that lands on a known id is as wrong as the rest), and learning resumes when fewer than 20% are.
@Suite("Feedback role: labels for unknown requests")
struct FeedbackLabelMatchTests {
    static let topics = LoopTopics()

    static func prediction(_ index: Int) -> Consumed<Incoming> {
        Consumed(.prediction(PredictionEvent(
            requestId: "r\(index)", ts: 0, features: ["x": .number(1)],
            champion: ModelOutput(model: ModelReference(id: "m", version: 1), answer: 1, probabilities: [0.4, 0.6]),
            shadows: [])), topic: topics.predictions, partition: 0, offset: Int64(index))
    }

    static func label(_ id: String, offset: Int) -> Consumed<Incoming> {
        Consumed(.label(LabelEvent(id: id, ts: 1, label: 1)), topic: topics.labels, partition: 0, offset: Int64(offset))
    }

    /// The guard reports (labels suspect or trusted) among publications.
    static func guardReports(_ publications: [Publication]) -> [DriftReport] {
        publications.compactMap { if case .drift(let report) = $0, report[.labelsSuspect] != nil { report } else { nil } }
    }

    @Test func labelsForUnknownRequestsPauseLearningUntilTheyMatchAgain() throws {
        var configuration = FeedbackRole<ContinuousClock.Instant>.Configuration()
        configuration.labelMatchHorizon = 20
        var role = try FeedbackRole(configuration: configuration, at: ContinuousClock.now)
        let time = BatchTime(instant: ContinuousClock.now, wallClock: 0)
        var offset = 0
        func labels(_ ids: [String]) -> [Consumed<Incoming>] {
            ids.map { id in
                offset += 1
                return Self.label(id, offset: offset)
            }
        }

        // Requests 0..<300 answered, then labelled: every label matches at once.
        var publications = role.handle((0..<300).map(Self.prediction), at: time)
        publications += role.handle(labels((0..<300).map { "r\($0)" }), at: time)
        #expect(Self.guardReports(publications).isEmpty && role.labelsHeldBack == 0)

        // 150 labels for ids no prediction was ever seen for; 20 predictions later each counts as unmatched. With 100
        // of the latest 200 unmatched the guard turns suspect.
        publications = role.handle(labels((0..<150).map { "unknown\($0)" }), at: time)
        #expect(Self.guardReports(publications).isEmpty, "a waiting label is not judged before its horizon")
        publications = role.handle((300..<500).map(Self.prediction), at: time)
        let paused = Self.guardReports(publications)
        #expect(paused.count == 1 && paused.first?[.labelsSuspect] == 1, "\(paused.map(\.metrics))")
        #expect(paused.first?[.labelsUnmatchedShare] == 0.5 && paused.first?.decidedBy == "label guard")
        #expect(role.labelGuard?.cause == .unknownIds)

        // Meanwhile labels that do match are held back, with the reason.
        publications = role.handle(labels((300..<350).map { "r\($0)" }), at: time)
        let held = publications.compactMap { if case .held(let letter, _) = $0 { letter } else { nil } }
        #expect(held.count == 50 && role.labelsHeldBack == 50)
        #expect(held.allSatisfy { $0.reason.contains("named requests no prediction was seen for") }, "\(held.first?.reason ?? "")")
        #expect(!publications.contains { if case .example = $0 { true } else { false } }, "nothing reaches the trainer")

        // Once fewer than 20% of the latest 200 are unmatched, the guard trusts the labels again by itself.
        publications = role.handle(labels((350..<500).map { "r\($0)" }), at: time)
        let resumed = Self.guardReports(publications)
        #expect(resumed.count == 1 && resumed.first?[.labelsSuspect] == 0, "\(resumed.map(\.metrics))")
        #expect(role.labelGuard?.state == .trusted)
        #expect(publications.contains { if case .example = $0 { true } else { false } }, "examples flow again")
    }

    /// A label read before its prediction (the predictions topic behind the labels topic) matches when the
    /// prediction comes within the horizon: no pause.
    @Test func labelsAheadOfTheirPredictionsAreNotUnknown() throws {
        var configuration = FeedbackRole<ContinuousClock.Instant>.Configuration()
        configuration.labelMatchHorizon = 300
        var role = try FeedbackRole(configuration: configuration, at: ContinuousClock.now)
        let time = BatchTime(instant: ContinuousClock.now, wallClock: 0)
        var publications = role.handle((0..<250).map { Self.label("r\($0)", offset: $0) }, at: time)
        publications += role.handle((0..<600).map(Self.prediction), at: time)
        #expect(Self.guardReports(publications).isEmpty && role.labelGuard?.unmatchedShare == 0)
        #expect(role.join.counters.joined == 250)
    }
}
