import FeatureValues
import ArgumentParser
import Foundation
import OnlineLearning

// MARK: - DriftBenchmark

/// `flywheel-bench drift`: detection delay and false alarms of every concept-drift detector on the bundled SEA
/// stream, next to the "fire every k samples" dummy with the same alarm budget.
struct DriftBenchmark: ParsableCommand {
    /// Help text.
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Drift detectors on SEA's error streams: delay and false alarms vs a periodic dummy.",
        discussion: """
            Two 0/1 error streams over streams/data/sea_abrupt.csv (drifts at 25,000, 50,000, 75,000): a model \
            fixed on the first concept (predicts x0 + x1 > 8), and an online logistic regression learning each \
            label at once (test-then-train). Each detector (river's defaults) is scored: drifts detected (the first \
            alarm after a drift and before the next), mean delay, false alarms per 10,000 samples. The dummy fires \
            every k = length / alarms samples (the detector's own alarm budget), averaged over phases.
            """
    )

    /// The stream.
    @Option(help: ArgumentHelp("The SEA stream CSV.", valueName: "path"))
    var data = "streams/data/sea_abrupt.csv"

    func run() throws {
        guard let text = try? String(contentsOfFile: data, encoding: .utf8) else {
            throw ValidationError("--data \(data): no such file; run from the repository's top directory.")
        }
        let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
        let fixed = rows.map { row in (row[0] + row[1] > 8 ? 1.0 : 0.0) == row[3] ? 0.0 : 1.0 }
        var pipeline = try FeaturePipeline(schema: FeatureSchema(
            features: [.init(name: "x0", kind: .numeric), .init(name: "x1", kind: .numeric), .init(name: "x2", kind: .numeric)],
            hashWidth: 1))
        var model = LogisticRegression(dimension: pipeline.dimension)
        let online: [Double] = rows.map { row in
            let features: FeatureMap = ["x0": .number(row[0]), "x1": .number(row[1]), "x2": .number(row[2])]
            let wrong = Double(model.predict(pipeline.transform(features).vector)) != row[3]
            pipeline.learn(features)
            model.learn(pipeline.transform(features).vector, label: Int(row[3]))
            return wrong ? 1 : 0
        }
        let drifts = [25_000, 50_000, 75_000]
        let detectors: [(String, any DriftDetector)] = [
            ("ADWIN", ADWIN()), ("PageHinkley", PageHinkley()), ("DDM", DDM()), ("EDDM", EDDM()), ("HDDM-A", HDDMA()),
            ("KSWIN", KSWIN()),
        ]
        for (streamName, errors) in [("model fixed on concept 0", fixed), ("online logistic regression", online)] {
            print("\nSEA, \(streamName): \(errors.count) samples, error rate \(String(format: "%.3f", errors.reduce(0, +) / Double(errors.count)))")
            print("detector      alarms  detected  mean delay  false/10k  |  dummy k   delay    false/10k  missed")
            for (name, prototype) in detectors {
                var detector = prototype
                let alarms = errors.indices.filter { detector.update(errors[$0]) == .drift }
                let quality = DetectionQuality(alarms: alarms, drifts: drifts, length: errors.count)
                let period = errors.count / max(1, alarms.count)
                let dummy = DetectionQuality.periodicBaseline(period: period, drifts: drifts, length: errors.count, step: max(1, period / 200))
                print(name.padding(toLength: 13, withPad: " ", startingAt: 0)
                    + String(format: " %6d  %5d/3  %10.0f  %9.2f  |  %7d  %7.0f  %9.2f  %6.2f",
                             alarms.count, quality.detected, quality.meanDelay, quality.falseAlarmsPer10k,
                             period, dummy.meanDelay, dummy.falseAlarmsPer10k, dummy.missed))
            }
        }
        printKSCost()
    }

    /// What one feature's KS p-value costs the feedback role per drift window: two samples of 2,000 (the loop's
    /// `sampleSize`), so the Kolmogorov distribution for n = 1,000, at distances from "no drift" to the largest still
    /// computed exactly (n·d² ≤ 7.24).
    private func printKSCost() {
        print("\nKS p-value per feature and window (samples of 2,000 each, the exact Kolmogorov distribution for n = 1,000):")
        print("     d   p-value     µs per call")
        for d in [0.02, 0.05, 0.085] {
            var p = 0.0
            let calls = 20
            let start = ContinuousClock.now
            for _ in 0..<calls { p += DriftStatistics.ksPValue(d, n1: 2000, n2: 2000) }
            let micros = (ContinuousClock.now - start) / .microseconds(1) / Double(calls)
            print(String(format: "%6.3f  %8.2e  %14.0f", d, p / Double(calls), micros))
        }
    }
}
