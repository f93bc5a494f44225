import FlywheelEvents
import OnlineLearning

// MARK: - InitialModels

/// The models a fresh deployment starts with, on a feature schema:
///
/// - `logreg`, the champion: logistic regression whose learning rate decays (0.3 / √(1 + t)), so it settles on a
///   stationary stream — and, after a drift, adapts slowly;
/// - `logreg-finetune`, a shadow fine-tuned from the champion's weights at a constant rate of 0.05 (adapts fast);
/// - `logreg-fresh`, a shadow trained from scratch at river's constant rate of 0.01;
/// - `mlp`, a shadow of another family: a perceptron with 64 ReLU units, minibatches of 16, Adam at 0.005 — it
///   learns what no linear model can (on agrawal_abrupt it beats river's best model).
///
/// For regression streams the same three lines are linear regressions (`linreg`, `linreg-finetune`,
/// `linreg-fresh`): the champion at river's constant rate of 0.01 decaying as 1 / (1 + t)^0.25, the fine-tuned
/// shadow at a constant 0.02, the fresh one at a constant 0.01; `mlp` is the same perceptron with a linear output.
///
/// Every model keeps learning; the promoter decides whose answers are served.
public enum InitialModels {
    /// The champion's id.
    public static let championID = "logreg"
    /// The champion's id on regression streams.
    public static let regressionChampionID = "linreg"

    /// The shadow restarted from nothing when a detector flags a drift on the champion.
    public static func restartedOnDrift(task: LearningTask) -> String {
        task == .regression ? "linreg-fresh" : "logreg-fresh"
    }

    /// How many shadows ``make(schema:task:shadows:)`` can give.
    public static let shadowCounts = 0...7

    /// The starting set for `schema`: classifiers for a binary stream, regressors for a regression stream; with
    /// `shadows` challengers beside the champion. The default three are described above; fewer keep a prefix of
    /// `mlp`, `*-fresh`, `*-finetune` (so one shadow is the perceptron, the costliest to score); more add, in order,
    /// `*-fast` (constant rate 0.1), `*-slow` (constant 0.003), `mlp-32` (32 units) and `mlp-wide` (128 units) — for
    /// measuring what each shadow costs (`flywheel-bench loop`), not a tuned set.
    /// - Throws: ``OnlineLearning/FeatureSchemaError`` when the schema cannot make a pipeline.
    public static func make(
        schema: FeatureSchema, task: LearningTask = .binary, shadows: Int = 3
    ) throws(FeatureSchemaError) -> ModelSet {
        precondition(shadowCounts.contains(shadows), "between \(shadowCounts.lowerBound) and \(shadowCounts.upperBound) shadows")
        let pipeline = try FeaturePipeline(schema: schema)
        let regression = task == .regression
        let line = regression ? "linreg" : "logreg"
        func linear(_ id: String, rate: Double, decay: Double = 0) -> ServedModel {
            regression
                ? ServedModel(
                    reference: ModelReference(id: id, version: 1), pipeline: pipeline,
                    learner: .linear(LinearRegression(dimension: pipeline.dimension, learningRate: rate, decayPower: decay)))
                : ServedModel(
                    reference: ModelReference(id: id, version: 1), pipeline: pipeline,
                    model: LogisticRegression(dimension: pipeline.dimension, learningRate: rate, decayPower: decay))
        }
        let champion = regression
            ? linear(regressionChampionID, rate: 0.01, decay: 0.25) : linear(championID, rate: 0.3, decay: 0.5)
        let perceptronTask: MultilayerPerceptron.Task = regression ? .regression : .binary
        var available = [
            ModelTrainer.fineTuned(from: champion, id: "\(line)-finetune", learningRate: regression ? 0.02 : 0.05),
            linear("\(line)-fresh", rate: 0.01),
            perceptron(perceptronTask, pipeline: pipeline),
        ]
        if shadows < 3 {
            available = Array(available.reversed().prefix(shadows).reversed())
        } else {
            available += [
                linear("\(line)-fast", rate: 0.1), linear("\(line)-slow", rate: 0.003),
                perceptron(perceptronTask, pipeline: pipeline, id: "mlp-32", hidden: 32),
                perceptron(perceptronTask, pipeline: pipeline, id: "mlp-wide", hidden: 128),
            ].prefix(shadows - 3)
        }
        return ModelSet(champion: champion, shadows: available)
    }

    /// A perceptron shadow (`mlp`: 64 units).
    static func perceptron(
        _ task: MultilayerPerceptron.Task, pipeline: FeaturePipeline, id: String = "mlp", hidden: Int = 64
    ) -> ServedModel {
        ServedModel(
            reference: ModelReference(id: id, version: 1), pipeline: pipeline,
            learner: .mlp(MultilayerPerceptron(task: task, inputs: pipeline.dimension, hidden: [hidden])))
    }
}
