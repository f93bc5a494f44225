import Flywheel
import FlywheelEvents
import Foundation
import OnlineLearning
import Testing

/// The label guard's answer-shift rule in the feedback core (a plain value, no broker): labels that contradict the
/// models' confident answers pause learning; if, during the pause, the served answers' class mix moves — the requests
/// changed while the models learned nothing — the guard trusts the labels again as a change of concept and says so in
/// its report (`answerMixPValue`).
@Suite("Feedback role: answers that move during a pause")
struct FeedbackAnswerShiftTests {
    static let topics = LoopTopics()

    /// A confident answer of class `served` to request `index`.
    static func prediction(_ index: Int, served: Int) -> Consumed<Incoming> {
        Consumed(.prediction(PredictionEvent(
            requestId: "r\(index)", ts: 0, features: ["x": .number(Double(served))],
            champion: ModelOutput(model: ModelReference(id: "m", version: 1), answer: Double(served),
                                  probabilities: served == 1 ? [0.05, 0.95] : [0.95, 0.05]),
            shadows: [])), topic: topics.predictions, partition: 0, offset: Int64(index))
    }

    static func label(_ index: Int, _ label: Int) -> Consumed<Incoming> {
        Consumed(.label(LabelEvent(id: "r\(index)", ts: 1, label: Double(label))), topic: topics.labels, partition: 0,
                 offset: Int64(index))
    }

    @Test func answersThatMoveDuringAPauseEndItWithTheirPValue() throws {
        var role = try FeedbackRole(configuration: FeedbackRole<ContinuousClock.Instant>.Configuration(), at: ContinuousClock.now)
        let time = BatchTime(instant: ContinuousClock.now, wallClock: 0)
        var reports: [DriftReport] = []
        /// Requests `range` answered `served(i)` and labelled `label(i)`, in batches of 100.
        func run(_ range: Range<Int>, served: (Int) -> Int, label: (Int) -> Int) {
            for start in stride(from: range.lowerBound, to: range.upperBound, by: 100) {
                let batch = start..<min(start + 100, range.upperBound)
                var publications = role.handle(batch.map { Self.prediction($0, served: served($0)) }, at: time)
                publications += role.handle(batch.map { Self.label($0, label($0)) }, at: time)
                reports += FeedbackLabelMatchTests.guardReports(publications)
            }
        }
        let even = { (index: Int) in index % 2 }, mostlyOne = { (index: Int) in index % 10 == 0 ? 0 : 1 }
        run(0..<3000, served: even, label: even)  // right: the calibration learns these answers are
        #expect(reports.isEmpty)
        run(3000..<4000, served: even, label: { 1 - even($0) })  // every label flipped, the answers as before
        #expect(reports.count == 1 && reports.first?[.labelsSuspect] == 1, "\(reports.map(\.metrics))")
        #expect(role.labelGuard?.answerShifts == 0, "the same mix keeps the pause")
        run(4000..<4600, served: mostlyOne, label: { 1 - mostlyOne($0) })  // the answers' mix moves
        #expect(reports.count == 2, "\(reports.map(\.metrics))")
        let trusted = try #require(reports.last)
        #expect(trusted[.labelsSuspect] == 0 && trusted.decidedBy == "label guard")
        let pValue = try #require(trusted[.answerMixPValue])
        #expect(pValue < 1e-6 && trusted[.labelGuardEvidence] == pValue)
        #expect(role.labelGuard?.state == .trusted && role.labelGuard?.answerShifts == 1)
    }
}
