import FlywheelEvents
import OnlineLearning

// MARK: - InitialModels

/// The models a fresh deployment starts with, on a feature schema:
///
/// - `logreg`, the champion: logistic regression with AdaGrad at 0.1 (per-weight rates that shrink as each weight
///   learns; the intercept by SGD at 0.01). Measured with `flywheel eval` at delay 1,000 it beats river's best single
///   model on sea (0.880 vs 0.877) and elec (0.769 vs 0.761), where a rate decaying as 0.3 / √(1 + t), the champion
///   before, served 0.866 and 0.755 in the loop;
/// - `logreg-finetune`, a shadow fine-tuned from the champion's weights by plain SGD at river's constant 0.01, never
///   restarted: river's default logistic regression, the best single model at delay 1,000 on sea, elec and a
///   hyperplane stream with gradual drift (where AdaGrad's shrinking rates fall behind: 0.905 against 0.914), so the
///   set always holds it (at 0.05, the rate before, it was the set's worst member on every bundled stream);
/// - `logreg-fresh`, a shadow trained from scratch at river's constant rate of 0.01, restarted after a drift alarm on
///   the champion;
/// - `mlp`, a shadow of another family: a perceptron with two ReLU layers of 64 and 32 units, minibatches of 4, Adam
///   at 0.003 — it learns what no linear model can (on agrawal_abrupt, friedman and river's sine and mixed
///   generators it beats river's best model, trees and forests included);
/// - `knn` (binary and multiclass streams), a third family: river's k nearest neighbours, 5 of the last 1,000
///   examples voting by 1 / distance. It needs no learning rate and forgets by construction, and wins where the
///   boundary is curved, low-dimensional and moving: `flywheel eval` scores it 0.915 on river's drifting RBF
///   generator at delay 1,000, 0.878 on river's Bananas and 0.873 on ImageSegments at delay 100 — where the loop
///   without it served 0.814, 0.767 and 0.829 and river's best model scores 0.784, 0.865 and 0.782; with it the loop
///   serves 0.906, 0.863 and 0.838. Where a linear model or the perceptron generalizes it is far behind (sea 0.849,
///   agrawal 0.771, LED 0.599) and stays a shadow; on LED its place in the promoter's family (α is split among the
///   challengers) costs ~0.2 points. It costs ~3 µs per request on sea's 7 slots, ~9 µs on agrawal's 76
///   (docs/benchmarks.md, "A neighbours member"). Regression streams have none: on friedman its MAE is 2.33 against
///   the perceptron's 1.35.
///
/// For regression streams the same three lines are linear regressions (`linreg`, `linreg-finetune`,
/// `linreg-fresh`): the champion at river's constant rate of 0.01 decaying as 1 / (1 + t)^0.25, the fine-tuned
/// shadow at a constant 0.02, the fresh one at a constant 0.01; `mlp` is the same perceptron with a linear output.
///
/// For multiclass streams they are softmax regressions (`softmax`, `softmax-finetune`, `softmax-fresh`): the champion
/// with river's SGD at a constant 0.01, the fine-tuned shadow from its weights by SGD at 0.03, the fresh one like the
/// champion (its twin until the first restart after an alarm); `mlp` is the perceptron with a softmax output over the
/// classes. AdaGrad at 0.1, the champion before, scored 0.2 points more on waveform at delay 1,000 (0.834 vs 0.832) but
/// 2.5 less on river's LED generator (0.700 vs 0.725) and 4.3 less on its drifting RBF (0.535 vs 0.578): it learns
/// too slowly at first, while it serves alone; in the loop LED served 0.719 → 0.726, waveform 0.832 → 0.831
/// (docs/benchmarks.md).
///
/// Every model keeps learning; the promoter decides whose answers are served.
public enum InitialModels {
    /// The champion's id.
    public static let championID = "logreg"
    /// The champion's id on regression streams.
    public static let regressionChampionID = "linreg"
    /// The champion's id on multiclass streams.
    public static let multiclassChampionID = "softmax"

    /// The linear line's name on a task's streams: `logreg`, `linreg` or `softmax` (the champion's id).
    public static func line(task: LearningTask) -> String {
        switch task {
        case .binary: championID
        case .regression: regressionChampionID
        case .multiclass: multiclassChampionID
        }
    }

    /// The shadow restarted from nothing when a detector flags a drift on the champion.
    public static func restartedOnDrift(task: LearningTask) -> String {
        "\(line(task: task))-fresh"
    }

    /// The `mlp` member's hidden layers: 64 ReLU units, then 32. Chosen with `flywheel eval` at delay 1,000 on the
    /// bundled streams and seven river generators (docs/benchmarks.md, "The perceptron's shape"): against one layer
    /// of 64 it scored a point better on average over twelve streams — 1 to 5 points on sine, mixed, rbfdrift and
    /// agrawal with gradual drift, MAE 1.58 → 1.35 on friedman — and at most 0.7 worse (waveform, where softmax serves).
    public static let perceptronHidden = [64, 32]
    /// The `mlp` member's minibatch: 4 examples per Adam step. With ``perceptronLearningRate`` it scored 0.1 point
    /// better on average than 8 at 0.005 over the twelve streams (10 of 12 at least as well; river's Bananas, 5,300
    /// rows, +1.4) for ~1–2 µs more training per example (docs/benchmarks.md, "The perceptron's shape"); 16 scored
    /// worse with two layers.
    public static let perceptronBatchSize = 4
    /// The `mlp` member's Adam learning rate.
    public static let perceptronLearningRate = 0.003

    /// The `knn` member's neighbours per answer (river's default).
    public static let nearestNeighborsCount = 5
    /// The `knn` member's window: the last 1,000 examples (river's default engine keeps as many).
    public static let nearestNeighborsWindow = 1000

    /// How many shadows ``make(schema:task:classes:shadows:)`` can give (8 for classifiers, 7 for regression).
    public static let shadowCounts = 0...8

    /// The default set's shadows: four for classifiers (`*-finetune`, `*-fresh`, `mlp`, `knn`), three for regression.
    public static func defaultShadows(task: LearningTask) -> Int {
        task == .regression ? 3 : 4
    }

    /// The most shadows a task's set can have: the default ones and four more.
    public static func maximumShadows(task: LearningTask) -> Int {
        defaultShadows(task: task) + 4
    }

    /// The starting set for `schema`: classifiers for a binary or multiclass stream (`classes` of them, at least 2),
    /// regressors for a regression stream; with `shadows` challengers beside the champion (nil: the task's
    /// ``defaultShadows(task:)``). The default ones are described above; fewer than three keep a prefix of `mlp`,
    /// `*-fresh`, `*-finetune` (so one shadow is the perceptron, the costliest to score); three are the three lines
    /// without `knn`; more add, in order, `knn` (classifiers), `*-fast` (constant rate 0.1), `*-slow` (constant 0.003),
    /// `mlp-32` (32 units) and `mlp-wide` (128 units) — the last four for measuring what each shadow costs
    /// (`flywheel-bench loop`), not a tuned set.
    /// - Throws: ``OnlineLearning/FeatureSchemaError`` when the schema cannot make a pipeline.
    public static func make(
        schema: FeatureSchema, task: LearningTask = .binary, classes: Int = 2, shadows: Int? = nil
    ) throws(FeatureSchemaError) -> ModelSet {
        let shadows = shadows ?? defaultShadows(task: task)
        precondition((0...maximumShadows(task: task)).contains(shadows), "between 0 and \(maximumShadows(task: task)) shadows")
        precondition(task != .multiclass || classes >= 2, "a multiclass stream has two classes or more")
        let pipeline = try FeaturePipeline(schema: schema)
        let line = line(task: task)
        func model(_ id: String, _ learner: OnlineLearner) -> ServedModel {
            ServedModel(reference: ModelReference(id: id, version: 1), pipeline: pipeline, learner: learner)
        }
        func linear(_ id: String, rate: Double, decay: Double = 0) -> ServedModel {
            switch task {
            case .regression:
                model(id, .linear(LinearRegression(dimension: pipeline.dimension, learningRate: rate, decayPower: decay)))
            case .binary:
                model(id, .logistic(LogisticRegression(dimension: pipeline.dimension, learningRate: rate, decayPower: decay)))
            case .multiclass:
                model(id, .softmax(SoftmaxRegression(classes: classes, dimension: pipeline.dimension, learningRate: rate)))
            }
        }
        let champion: ServedModel
        let fineTuneRate: Double
        switch task {
        case .regression:
            (champion, fineTuneRate) = (linear(regressionChampionID, rate: 0.01, decay: 0.25), 0.02)
        case .binary:
            champion = model(championID, .logistic(LogisticRegression(
                dimension: pipeline.dimension, learningRate: 0.1, interceptLearningRate: 0.01, optimizer: .adaGradDefault)))
            fineTuneRate = 0.01
        case .multiclass:
            (champion, fineTuneRate) = (linear(multiclassChampionID, rate: 0.01), 0.03)
        }
        let perceptronTask: MultilayerPerceptron.Task = switch task {
        case .binary: .binary
        case .regression: .regression
        case .multiclass: .multiclass
        }
        func perceptron(
            id: String = "mlp", hidden: [Int] = perceptronHidden, batchSize: Int = perceptronBatchSize,
            learningRate: Double = perceptronLearningRate
        ) -> ServedModel {
            model(id, .mlp(MultilayerPerceptron(
                task: perceptronTask, inputs: pipeline.dimension, hidden: hidden, classes: classes, batchSize: batchSize,
                learningRate: learningRate)))
        }
        var fineTuned = ModelTrainer.fineTuned(from: champion, id: "\(line)-finetune", learningRate: fineTuneRate)
        if case .logistic(var weights) = fineTuned.learner {
            weights.setOptimizer(.sgd)  // the champion's weights, then plain SGD at a constant rate: it adapts fast
            weights.setLearningRate(fineTuneRate)
            fineTuned.learner = .logistic(weights)
        }
        var available = [
            fineTuned,
            linear("\(line)-fresh", rate: 0.01),
            perceptron(),
        ]
        if shadows < 3 {
            available = Array(available.reversed().prefix(shadows).reversed())
        } else {
            let knn = model("knn", .knn(NearestNeighbors(
                task: task, classes: classes, dimension: pipeline.dimension, neighbors: nearestNeighborsCount,
                window: nearestNeighborsWindow)))
            let more = (task == .regression ? [] : [knn]) + [
                linear("\(line)-fast", rate: 0.1), linear("\(line)-slow", rate: 0.003),
                perceptron(id: "mlp-32", hidden: [32], batchSize: 16, learningRate: 0.005),
                perceptron(id: "mlp-wide", hidden: [128], batchSize: 16, learningRate: 0.005),
            ]
            available += more.prefix(shadows - 3)
        }
        return ModelSet(champion: champion, shadows: available)
    }
}
