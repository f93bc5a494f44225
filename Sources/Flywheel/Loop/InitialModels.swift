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

    /// The starting set for `schema`: classifiers for a binary stream, regressors for a regression stream.
    /// - Throws: ``OnlineLearning/FeatureSchemaError`` when the schema cannot make a pipeline.
    public static func make(schema: FeatureSchema, task: LearningTask = .binary) throws(FeatureSchemaError) -> ModelSet {
        let pipeline = try FeaturePipeline(schema: schema)
        if task == .regression {
            let champion = ServedModel(
                reference: ModelReference(id: regressionChampionID, version: 1), pipeline: pipeline,
                learner: .linear(LinearRegression(dimension: pipeline.dimension, learningRate: 0.01, decayPower: 0.25)))
            return ModelSet(champion: champion, shadows: [
                ModelTrainer.fineTuned(from: champion, id: "linreg-finetune", learningRate: 0.02),
                ServedModel(
                    reference: ModelReference(id: "linreg-fresh", version: 1), pipeline: pipeline,
                    learner: .linear(LinearRegression(dimension: pipeline.dimension, learningRate: 0.01))),
                perceptron(.regression, pipeline: pipeline),
            ])
        }
        let champion = ServedModel(
            reference: ModelReference(id: championID, version: 1), pipeline: pipeline,
            model: LogisticRegression(dimension: pipeline.dimension, learningRate: 0.3, decayPower: 0.5))
        return ModelSet(champion: champion, shadows: [
            ModelTrainer.fineTuned(from: champion, id: "logreg-finetune", learningRate: 0.05),
            ServedModel(
                reference: ModelReference(id: "logreg-fresh", version: 1), pipeline: pipeline,
                model: LogisticRegression(dimension: pipeline.dimension, learningRate: 0.01)),
            perceptron(.binary, pipeline: pipeline),
        ])
    }

    /// The perceptron shadow `mlp`.
    static func perceptron(_ task: MultilayerPerceptron.Task, pipeline: FeaturePipeline) -> ServedModel {
        ServedModel(
            reference: ModelReference(id: "mlp", version: 1), pipeline: pipeline,
            learner: .mlp(MultilayerPerceptron(task: task, inputs: pipeline.dimension, hidden: [64])))
    }
}
