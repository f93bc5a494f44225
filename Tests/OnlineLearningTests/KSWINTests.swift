import Foundation
import OnlineLearning
import Testing

/// KSWIN: finds a shift in the mean soon after it happens, and a saved detector goes on exactly as the original.
/// (Its random draws are not Python's, so river's alarm indices are not reproduced one for one; the exact KS p-value
/// it uses is checked against scipy in `DriftStatisticsTests`.)
@Suite("KSWIN")
struct KSWINTests {
    static func gaussianShift() throws -> [Double] {
        try #require(DriftDetectorEquivalenceTests.reference.streams["gaussian_shift"]?.values)
    }

    @Test func findsTheShiftSoonAfterIt() throws {
        // The fixture's seeded Gaussian stream: mean 0 → 0.8 at 2,000 → −0.5 (sd 2) at 4,000.
        let values = try Self.gaussianShift()
        var detector = KSWIN()
        let alarms = values.indices.filter { detector.update(values[$0]) == .drift }
        let first = alarms.first { $0 >= 2000 }
        #expect(first.map { $0 < 2100 } == true, "first alarm after the shift at 2,000: \(String(describing: first))")
        let quality = DetectionQuality(alarms: alarms, drifts: [2000, 4000], length: values.count)
        #expect(quality.detected == 2, "alarms: \(alarms)")
        #expect(detector.pValue >= 0 && detector.pValue <= 1)
    }

    @Test func aSavedDetectorContinuesIdentically() throws {
        let values = try Self.gaussianShift()
        var original = KSWIN(seed: 7)
        for value in values.prefix(2500) { original.update(value) }
        var restored = try JSONDecoder().decode(KSWIN.self, from: JSONEncoder().encode(original))
        let next = values.dropFirst(2500)
        #expect(next.map { original.update($0) } == next.map { restored.update($0) })
    }
}
