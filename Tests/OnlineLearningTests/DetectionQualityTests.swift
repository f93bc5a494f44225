import Foundation
import OnlineLearning
import Testing

/// Detection quality on the shared SEA stream (drifts at 25,000, 50,000, 75,000), for the error stream of a model
/// fixed on the first concept: every detector's delay and false alarms next to the "fire every k samples" dummy with
/// the same alarm budget (k = length / alarms, averaged over phases). ADWIN, Flywheel's default, beats its dummy on
/// both. `flywheel-bench drift` prints the same table; docs/benchmarks.md keeps it.
@Suite("Drift detection quality")
struct DetectionQualityTests {
    @Test func scoringCountsDelaysMissesAndFalseAlarms() {
        // Alarm 5 comes before any drift, 130 is a second alarm for the drift at 100; nothing follows 500.
        let quality = DetectionQuality(alarms: [5, 120, 130, 260], drifts: [100, 250, 500], length: 1000)
        #expect(quality.detected == 2 && quality.missed == 1)
        #expect(quality.meanDelay == 15)  // (20 + 10) / 2
        #expect(quality.falseAlarms == 2 && quality.falseAlarmsPer10k == 20)
        let dummy = DetectionQuality.periodicBaseline(period: 100, drifts: [1000], length: 2000)
        #expect(dummy.meanDelay == 49.5 && dummy.missed == 0)
    }

    @Test func adwinBeatsTheDummyWithTheSameAlarmBudgetOnSEA() throws {
        let errors = try DriftDetectorEquivalenceTests.seaFixedErrors()
        let drifts = [25_000, 50_000, 75_000]
        var detector = ADWIN()
        let alarms = errors.indices.filter { detector.update(errors[$0]) == .drift }
        let quality = DetectionQuality(alarms: alarms, drifts: drifts, length: errors.count)
        let dummy = DetectionQuality.periodicBaseline(
            period: errors.count / max(1, alarms.count), drifts: drifts, length: errors.count, step: 100)
        #expect(quality.detected >= 2, "ADWIN finds the 25,000 and 75,000 drifts: \(alarms)")
        #expect(quality.meanDelay < dummy.meanDelay, "delay \(quality.meanDelay) vs dummy \(dummy.meanDelay)")
        #expect(quality.falseAlarmsPer10k <= dummy.falseAlarmsPer10k, "false alarms \(quality.falseAlarmsPer10k) vs \(dummy.falseAlarmsPer10k)")
        #expect(Double(quality.missed) <= dummy.missed)
    }
}
