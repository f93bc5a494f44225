import Foundation
import OnlineLearning
import Testing

/// Metrics against numpy. Reference values: `python3 scripts/reference/metrics.py` (the stream is defined there).
@Suite("Metrics against numpy")
struct MetricsTests {
    static let indices = 0..<1000
    static func label(_ i: Int) -> Int { (i * 7) % 10 < 4 ? 1 : 0 }
    static func probability(_ i: Int) -> Double { (Double((i * 13) % 100) + 0.5) / 100 * 0.7 + 0.3 * Double(label(i)) }

    @Test func classificationMetrics() {
        var binary = BinaryMetrics()
        var confusion = ConfusionMatrix()
        var auc = ROCAUC()
        var rolling = RollingAccuracy(window: 100)
        var fading = FadingAccuracy(factor: 0.99)
        for i in Self.indices {
            let (y, p) = (Self.label(i), Self.probability(i))
            binary.update(label: y, probability: p)
            confusion.update(label: y, predicted: p > 0.5 ? 1 : 0)
            auc.update(label: y, score: p)
            rolling.update(isCorrect: (p > 0.5 ? 1 : 0) == y)
            fading.update(isCorrect: (p > 0.5 ? 1 : 0) == y)
        }
        #expect(abs(binary.accuracy - 0.71) < 1e-12)
        #expect(abs(confusion.macroF1 - 0.705014749262537) < 1e-12)
        #expect(abs(auc.value - 0.842083333333333) < 1e-12)
        #expect(abs(rolling.value - 0.71) < 1e-12)
        #expect(abs(fading.value - 0.705087440863595) < 1e-12)
    }

    @Test func windowedAndFadingRegressionError() {
        var rolling = RollingMean(window: 100)
        var fading = FadingMean(factor: 0.99)
        for i in Self.indices {
            let target = sin(Double(i) / 10) * 3 + Double(i) / 500
            let error = abs((target + cos(Double(i) / 7)) - target)
            rolling.append(error)
            fading.append(error)
        }
        #expect(abs(rolling.value - 0.650653374072237) < 1e-12)
        #expect(abs(fading.value - 0.64267052686475) < 1e-12)
    }

    @Test func regressionMetrics() {
        var metrics = RegressionMetrics()
        for i in Self.indices {
            let target = sin(Double(i) / 10) * 3 + Double(i) / 500
            metrics.update(target: target, prediction: target + cos(Double(i) / 7))
        }
        #expect(abs(metrics.meanAbsoluteError - 0.637288919212519) < 1e-12)
        #expect(abs(metrics.rootMeanSquaredError - 0.707666254149769) < 1e-12)
        #expect(abs(metrics.rSquared - 0.894370368332496) < 1e-12)
    }

    @Test func rollingWindowForgets() {
        var rolling = RollingAccuracy(window: 3)
        for outcome in [true, true, true, false, false, false] { rolling.update(isCorrect: outcome) }
        #expect(rolling.value == 0)
        rolling.update(isCorrect: true)
        #expect(abs(rolling.value - 1.0 / 3) < 1e-12)
    }

    @Test func emptyMetricsAreDefined() {
        #expect(ROCAUC().value == 0.5)
        #expect(RollingAccuracy(window: 5).value == 0)
        #expect(FadingAccuracy(factor: 0.9).value == 0)
        #expect(RegressionMetrics().rSquared == 0)
        #expect(ConfusionMatrix().macroF1 == 0)
    }
}
