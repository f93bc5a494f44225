import Flywheel
import FlywheelEvents
import OnlineLearning
import Testing

/// The default challenger set's perceptron: two ReLU layers (64, 32), minibatches of 4 at Adam 0.003, for every task —
/// the shape docs/benchmarks.md ("The perceptron's shape") measured against one layer of 64 and minibatches of 8 on
/// twelve streams.
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
        #expect(perceptron.batchSize == 4 && perceptron.learningRate == 0.003)
        // The extra shadows of the cost benchmark keep their one layer.
        let all = try InitialModels.make(
            schema: LoopHarness.seaSchema, task: task, classes: classes, shadows: InitialModels.maximumShadows(task: task))
        let hidden = all.shadows.compactMap { model -> [Int]? in
            if case .mlp(let perceptron) = model.learner { return perceptron.hidden }
            return nil
        }
        #expect(hidden == [[64, 32], [32], [128]])
    }

    /// The default set: the three lines and, for classifiers, river's k nearest neighbours (5 of the last 1,000);
    /// three shadows are the lines alone, and the extras of the cost benchmark come after `knn`.
    @Test func theDefaultSetHasANeighboursMemberForClassifiers() throws {
        func ids(_ task: LearningTask, shadows: Int? = nil) throws -> [String] {
            let set = try InitialModels.make(schema: LoopHarness.seaSchema, task: task, classes: 3, shadows: shadows)
            return set.shadows.map(\.reference.id)
        }
        #expect(try ids(.binary) == ["logreg-finetune", "logreg-fresh", "mlp", "knn"])
        #expect(try ids(.multiclass) == ["softmax-finetune", "softmax-fresh", "mlp", "knn"])
        #expect(try ids(.regression) == ["linreg-finetune", "linreg-fresh", "mlp"])
        #expect(try ids(.binary, shadows: 3) == ["logreg-finetune", "logreg-fresh", "mlp"])
        #expect(try ids(.binary, shadows: 1) == ["mlp"])
        #expect(try ids(.binary, shadows: 5) == ["logreg-finetune", "logreg-fresh", "mlp", "knn", "logreg-fast"])
        #expect(try ids(.regression, shadows: 4) == ["linreg-finetune", "linreg-fresh", "mlp", "linreg-fast"])
        let set = try InitialModels.make(schema: LoopHarness.seaSchema, task: .multiclass, classes: 3)
        guard case .knn(let knn) = set.shadows.last?.learner else {
            Issue.record("the last shadow is \(String(describing: set.shadows.last))")
            return
        }
        #expect(knn.task == .multiclass && knn.classCount == 3 && knn.neighbors == 5 && knn.window == 1000)
    }

    /// The multiclass line is river's softmax regression (SGD at a constant 0.01) as champion and fresh shadow, and a
    /// fine-tuned copy at 0.03: AdaGrad at 0.1, the champion before, learned too slowly while it served alone (river's
    /// LED generator 0.700 against 0.725 at delay 1,000; docs/learning.md).
    @Test func theMulticlassLineLearnsByPlainSGD() throws {
        let set = try InitialModels.make(schema: LoopHarness.seaSchema, task: .multiclass, classes: 10)
        let settings = ([set.champion] + set.shadows).compactMap { model -> (String, Optimizer, Double)? in
            guard case .softmax(let softmax) = model.learner else { return nil }
            return (model.reference.id, softmax.optimizerState.optimizer, softmax.learningRate)
        }
        #expect(settings.map(\.0) == ["softmax", "softmax-finetune", "softmax-fresh"])
        #expect(settings.map(\.1) == [.sgd, .sgd, .sgd])
        #expect(settings.map(\.2) == [0.01, 0.03, 0.01])
    }

    /// The sea schema names one bucket, so the perceptron reads 2 × 3 numeric slots + 1.
    @Test func theSeaVectorHasNoIdleBuckets() throws {
        let set = try InitialModels.make(schema: LoopHarness.seaSchema)
        #expect(([set.champion] + set.shadows).allSatisfy { $0.pipeline.dimension == 7 })
    }
}
