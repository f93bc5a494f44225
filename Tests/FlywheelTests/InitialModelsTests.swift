import Flywheel
import FlywheelEvents
import OnlineLearning
import Testing

/// The default challenger set's perceptron: two ReLU layers (64, 32), minibatches of 8, for every task — the shape
/// docs/benchmarks.md ("The perceptron's shape") measured against one layer of 64 on twelve streams.
@Suite("Initial models")
struct InitialModelsTests {
    @Test(arguments: [(LearningTask.binary, 2, 1), (.regression, 2, 1), (.multiclass, 4, 4)])
    func thePerceptronHasTwoLayersOf64And32(task: LearningTask, classes: Int, outputs: Int) throws {
        let set = try InitialModels.make(schema: LoopHarness.seaSchema, task: task, classes: classes)
        let mlp = try #require(set.shadows.first { $0.reference.id == "mlp" })
        guard case .mlp(let perceptron) = mlp.learner else {
            Issue.record("mlp is \(mlp.learner)")
            return
        }
        #expect(perceptron.layerSizes == [mlp.pipeline.dimension, 64, 32, outputs])
        #expect(perceptron.batchSize == 8)
        // The extra shadows of the cost benchmark keep their one layer.
        let seven = try InitialModels.make(schema: LoopHarness.seaSchema, task: task, classes: classes, shadows: 7)
        let hidden = seven.shadows.compactMap { model -> [Int]? in
            if case .mlp(let perceptron) = model.learner { return perceptron.hidden }
            return nil
        }
        #expect(hidden == [[64, 32], [32], [128]])
    }

    /// The sea schema names one bucket, so the perceptron reads 2 × 3 numeric slots + 1.
    @Test func theSeaVectorHasNoIdleBuckets() throws {
        let set = try InitialModels.make(schema: LoopHarness.seaSchema)
        #expect(([set.champion] + set.shadows).allSatisfy { $0.pipeline.dimension == 7 })
    }
}
