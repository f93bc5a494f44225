import Foundation
import OnlineLearning
import Testing

/// The inverse-scaling schedule: step t moves the weights by `rate / (1 + t)^power` times the gradient, and the
/// power survives a save and load.
@Suite("Learning-rate schedule")
struct LearningRateScheduleTests {
    @Test func stepsShrinkAsOneOverOnePlusTToThePower() {
        var constant = LogisticRegression(dimension: 1, learningRate: 0.5)
        var decaying = LogisticRegression(dimension: 1, learningRate: 0.5, decayPower: 0.5)
        // Label 1 on x = 1 from zero weights: the first gradient is σ(0) − 1 = −0.5, so both take a 0.25 step.
        constant.learn([1], label: 1)
        decaying.learn([1], label: 1)
        #expect(constant.weights == [0.25] && decaying.weights == [0.25] && decaying.intercept == 0.25)
        // Three more steps: step t of the decaying model is scaled by 1/√(1+t); recompute by hand.
        var w = 0.25, b = 0.25
        for t in 1...3 {
            let g = 1 / (1 + exp(-(w + b))) - 1
            w -= 0.5 / (1 + Double(t)).squareRoot() * g
            b -= 0.5 / (1 + Double(t)).squareRoot() * g
            decaying.learn([1], label: 1)
        }
        #expect(abs(decaying.weights[0] - w) < 1e-12 && abs(decaying.intercept - b) < 1e-12)
        #expect(decaying.linear.rateScale(atStep: 3) == 0.5)
    }

    @Test func thePowerIsSavedWithTheModel() throws {
        let pipeline = try FeaturePipeline(schema: FeatureSchema(features: [.init(name: "x", kind: .numeric)], hashWidth: 1))
        var model = LogisticRegression(dimension: pipeline.dimension, learningRate: 0.3, decayPower: 0.5)
        model.learn([1, 0, 0], label: 1)
        let loaded = try ModelBlob.decode(ModelBlob.encode(pipeline: pipeline, model: model)).model
        #expect(loaded == model)
        #expect(loaded.decayPower == 0.5)
    }
}
