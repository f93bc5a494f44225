import Datasets
import FeatureValues
import Foundation
import OnlineLearning
import Testing

/// The in-flight accuracy estimate (confidence-based performance estimation): each prediction's chance of being right
/// is estimated from the model's confidence, calibrated on the labels arrived so far, when the prediction is made;
/// once its label arrives the estimate is compared with what happened. Windows of 5,000 requests, label delay 1,000;
/// the loop's default champion (logistic regression, AdaGrad 0.1 on the weights and SGD 0.01 on the intercept, as
/// `InitialModels` makes it), river's default logistic regression (SGD 0.01), and the loop's perceptron (ReLU layers
/// of 64 and 32, minibatches of 4 at Adam 0.003: `InitialModels.perceptronHidden`, `perceptronBatchSize`,
/// `perceptronLearningRate`).
@Suite("In-flight accuracy estimate (CBPE) against realized accuracy")
struct InFlightEstimateTests {
    static func windows(_ stream: String, model kind: String = "mlp") throws -> [PrequentialEvaluation.EstimateWindow] {
        let schema = try JSONDecoder().decode(FeatureSchema.self, from: try SharedData.file("\(stream).meta.json"))
        let text = String(decoding: try SharedData.file("\(stream).csv"), as: UTF8.self)
        let examples = try CSVExamples.parse(text, schema: schema, target: "target")
        let pipeline = try FeaturePipeline(schema: schema)
        let evaluation = PrequentialEvaluation(delay: 1000)
        switch kind {
        case "mlp":
            return evaluation.inFlightEstimates(
                examples, pipeline: pipeline,
                model: MultilayerPerceptron(task: .binary, inputs: pipeline.dimension, hidden: [64, 32], batchSize: 4, learningRate: 0.003),
                window: 5000)
        case "champion":
            return evaluation.inFlightEstimates(
                examples, pipeline: pipeline,
                model: LogisticRegression(
                    dimension: pipeline.dimension, learningRate: 0.1, interceptLearningRate: 0.01, optimizer: .adaGradDefault),
                window: 5000)
        default:
            return evaluation.inFlightEstimates(
                examples, pipeline: pipeline, model: LogisticRegression(dimension: pipeline.dimension), window: 5000)
        }
    }

    /// A window is affected by a drift if a concept change falls inside it or less than 3,000 requests (the label
    /// delay and a calibration's worth of labels) before it starts, or if it is the window after that one, while the
    /// model re-learns: the estimate cannot know of a change its labels have not shown yet, and it lags a model that
    /// improves fast (docs/learning.md).
    static func affectedByDrift(_ window: PrequentialEvaluation.EstimateWindow, positions: [Int]) -> Bool {
        positions.contains { $0 >= window.first - 3000 - 5000 && $0 < window.first + window.estimate.count }
    }

    /// Within 2 accuracy points on every window without drift for the loop's default champion on sea, the perceptron on
    /// sea and agrawal, and river's logistic regression on sea. Not met by either logistic regression on agrawal,
    /// whose own accuracy swings by up to 3 points from one window to the next on a concept no linear model can learn:
    /// the calibration lags it by the label delay and its memory, and the worst window is 2.7 (AdaGrad) and 3.0 (SGD)
    /// points off (bounded here at 3.5, so a worse estimator still fails). In the loop the perceptron is agrawal's
    /// champion from the first few hundred labels on (docs/benchmarks.md), and its estimate is within 1.1 points.
    @Test(arguments: [
        ("sea_abrupt", "champion", 0.02), ("agrawal_abrupt", "champion", 0.035), ("sea_abrupt", "mlp", 0.02),
        ("agrawal_abrupt", "mlp", 0.02), ("sea_abrupt", "logreg", 0.02), ("agrawal_abrupt", "logreg", 0.035),
    ])
    func withinTwoPointsOverWindowsWithoutDrift(stream: String, model: String, bound: Double) throws {
        let windows = try Self.windows(stream, model: model)
        #expect(windows.count == 20)
        #expect(windows.allSatisfy { $0.estimate.count == 5000 && $0.estimate.labelled == 5000 }, "every prediction estimated and resolved once")
        var worst = 0.0, steady = 0
        print("\(stream) \(model): window  estimated  realized  difference")
        for window in windows {
            let drift = Self.affectedByDrift(window, positions: [25_000, 50_000, 75_000])
            let difference = window.estimate.estimated - window.estimate.realized
            print(String(format: "%@ %@ %6d  %.4f     %.4f    %+.4f%@", stream, model, window.first, window.estimate.estimated,
                         window.estimate.realized, difference, drift ? "   (drift)" : ""))
            guard window.first > 0, !drift else { continue }  // the first window: before any label
            steady += 1
            worst = max(worst, abs(difference))
            #expect(abs(difference) <= bound, "\(stream) \(model) window at \(window.first): estimate \(window.estimate.estimated) vs realized \(window.estimate.realized)")
        }
        #expect(steady >= 10)
        print("\(stream) \(model): worst difference over \(steady) windows without drift \(String(format: "%.4f", worst))")
    }

    /// The blind spot, shown: right after agrawal's third change the perceptron is far less accurate than its
    /// confidence says, and the estimate, calibrated on labels from before the change, over-states it by 4.8 points
    /// (72.9% realized, 77.7% estimated; 5.5 with minibatches of 8, 7 with the one-layer perceptron) — more than twice
    /// the 2 points the estimate keeps to on windows without drift.
    @Test func aConceptChangeIsInvisibleUntilItsLabelsArrive() throws {
        let windows = try Self.windows("agrawal_abrupt", model: "mlp")
        let atDrift = try #require(windows.first { $0.first == 50_000 })
        #expect(atDrift.estimate.estimated - atDrift.estimate.realized > 0.04,
                "estimate \(atDrift.estimate.estimated) vs realized \(atDrift.estimate.realized) right after the change")
    }

    @Test func theCalibratorLearnsHowOftenEachConfidenceIsRight() {
        var calibrator = ConfidenceCalibrator(fading: 1, prior: 1)
        #expect(abs(calibrator.calibrated(0.93) - 0.925) < 1e-12, "no labels: the bin's own confidence")
        // A model that says 0.9 but is right only 60% of the time.
        for index in 0..<1000 { calibrator.record(confidence: 0.9, correct: index % 5 < 3) }
        #expect(abs(calibrator.calibrated(0.91) - (600 + 0.925) / 1001) < 1e-12)
        #expect(abs(calibrator.calibrated(0.7) - 0.725) < 1e-12, "other bins untouched")
        var fading = ConfidenceCalibrator(fading: 0.5, prior: 1)
        fading.record(confidence: 0.6, correct: false)
        fading.record(confidence: 0.6, correct: true)
        #expect(abs(fading.calibrated(0.6) - (1 + 0.625) / (1.5 + 1)) < 1e-12, "older labels weigh less")
        #expect(ConfidenceCalibrator.confidence(probabilityOfOne: 0.2) == 0.8)
        #expect(ConfidenceCalibrator.confidence(probabilities: [0.1, 0.7, 0.2]) == 0.7)
    }
}
