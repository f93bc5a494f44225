import Foundation
import OnlineLearning
import Testing

/// Data-drift statistics against scipy and numpy: values computed by `python3 scripts/reference/drift_statistics.py
/// > Tests/OnlineLearningTests/Fixtures/drift_statistics.json` (scipy 1.17.1, numpy 2.4.6) on seeded samples and
/// fixed counts, pinned there; Flywheel's agree to 1e-6 relative or better (the KS p-value: see the test).
@Suite("Drift statistics against scipy")
struct DriftStatisticsTests {
    struct Reference: Decodable {
        struct Samples: Decodable {
            var reference: [Double]
            var current: [Double]
            var ks: Double
            var ksPValue: Double
            var ksPValueExact: Double
            var wasserstein: Double
        }
        struct Counts: Decodable {
            var reference: [Double]
            var current: [Double]
            var chiSquare: Double?
            var chiSquarePValue: Double?
            var jensenShannon: Double
            var hellinger: Double
            var psi: Double
        }
        struct Small: Decodable {
            var reference: [Double]
            var current: [Double]
            var ks: Double
            var pValue: Double
        }
        struct BH: Decodable {
            var pValues: [Double]
            var adjusted: [Double]
        }
        var samples: [Samples]
        var counts: [Counts]
        var exactSmall: [Small]
        var benjaminiHochberg: BH
    }

    static let reference: Reference = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/drift_statistics.json")
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }()

    static func close(_ a: Double, _ b: Double, relative: Double = 1e-6) -> Bool {
        abs(a - b) <= relative * Swift.max(abs(a), abs(b)) || abs(a - b) < 1e-15
    }

    @Test(arguments: 0..<5)
    func ksAndWassersteinMatchScipy(_ index: Int) {
        let pair = Self.reference.samples[index]
        let a = pair.reference.sorted(), b = pair.current.sorted()
        let d = DriftStatistics.ksStatistic(sortedReference: a, sortedCurrent: b)
        #expect(Self.close(d, pair.ks, relative: 1e-12), "KS \(d) vs \(pair.ks)")
        // Flywheel evaluates the Kolmogorov distribution exactly: equal to scipy's exact (Durbin matrix) evaluation,
        // and within the Pelz-Good series' error of what ks_2samp prints.
        let p = DriftStatistics.ksPValue(d, n1: a.count, n2: b.count)
        #expect(Self.close(p, pair.ksPValueExact, relative: 1e-9), "KS p \(p) vs scipy exact \(pair.ksPValueExact)")
        #expect(Self.close(p, pair.ksPValue, relative: 1e-5), "KS p \(p) vs ks_2samp \(pair.ksPValue)")
        let w = DriftStatistics.wasserstein(sortedReference: a, sortedCurrent: b)
        #expect(Self.close(w, pair.wasserstein, relative: 1e-9), "W1 \(w) vs \(pair.wasserstein)")
    }

    @Test(arguments: 0..<4)
    func binnedStatisticsMatchScipyAndNumpy(_ index: Int) {
        let pair = Self.reference.counts[index]
        #expect(Self.close(DriftStatistics.jensenShannon(reference: pair.reference, current: pair.current), pair.jensenShannon, relative: 1e-9))
        #expect(Self.close(DriftStatistics.hellinger(reference: pair.reference, current: pair.current), pair.hellinger, relative: 1e-9))
        #expect(Self.close(DriftStatistics.psi(reference: pair.reference, current: pair.current), pair.psi, relative: 1e-9))
        if let statistic = pair.chiSquare, let pValue = pair.chiSquarePValue {
            let chi = DriftStatistics.chiSquare(reference: pair.reference, current: pair.current)
            #expect(Self.close(chi.statistic, statistic, relative: 1e-9))
            #expect(Self.close(chi.pValue, pValue), "chi-square p \(chi.pValue) vs \(pValue)")
        }
    }

    @Test(arguments: 0..<4)
    func exactSmallSampleKSMatchesScipy(_ index: Int) {
        let pair = Self.reference.exactSmall[index]
        let d = DriftStatistics.ksStatistic(sortedReference: pair.reference.sorted(), sortedCurrent: pair.current.sorted())
        #expect(Self.close(d, pair.ks, relative: 1e-12))
        let p = DriftStatistics.ksExactPValue(d, n1: pair.reference.count, n2: pair.current.count)
        #expect(Self.close(p, pair.pValue), "exact KS p \(p) vs scipy \(pair.pValue)")
    }

    @Test func benjaminiHochbergMatchesScipy() {
        let bh = Self.reference.benjaminiHochberg
        let adjusted = DriftStatistics.benjaminiHochberg(bh.pValues)
        #expect(zip(adjusted, bh.adjusted).allSatisfy { Self.close($0, $1, relative: 1e-12) }, "\(adjusted)")
    }
}
