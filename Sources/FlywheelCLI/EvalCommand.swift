import Datasets
import ArgumentParser
import Flywheel
import Foundation
import OnlineLearning

// MARK: - EvalCommand

/// `flywheel eval`: prequential (test-then-train) evaluation of an online model on a CSV stream.
struct EvalCommand: ParsableCommand {
    /// Help text.
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate an online model on a labelled stream (CSV or JSON Lines), test-then-train.",
        discussion: """
            Every row is a request: the model predicts it from the features as they are then, and learns its label \
            --delay rows later (0: at once), as the data sets' README defines the protocol. Numeric features are \
            standardized with running statistics, categorical ones one-hot encoded by hashing (see the schema). \
            Binary streams print accuracy (overall, over the last 1,000 requests and with fading factor 0.999), \
            log loss, ROC AUC and macro F1; multiclass streams accuracy, log loss and macro F1; regression streams \
            MAE (the same three ways), RMSE and R². All print throughput, with and without parsing.

            Examples:
              flywheel eval --data streams/data/sea_abrupt.csv --schema streams/sea_abrupt.schema.json --delay 1000
              flywheel eval --data streams/data/agrawal_abrupt.csv --schema streams/data/agrawal_abrupt.meta.json --model mlp
              flywheel eval --data streams/data/waveform.csv --schema streams/data/waveform.meta.json --task multiclass
              flywheel eval --data streams/data/friedman_gra.csv --schema streams/data/friedman_gra.meta.json --task regression
            """
    )

    /// The CSV stream.
    @Option(help: ArgumentHelp(
        "The labelled stream: CSV with a header line, or JSON Lines (.jsonl: one object of features and label per line, flat or with the features under \"features\").",
        valueName: "path"))
    var data: String

    /// The feature schema.
    @Option(help: ArgumentHelp("Feature schema (JSON): streams/*.schema.json or a data set's .meta.json.", valueName: "path"))
    var schema: String

    /// The label column.
    @Option(help: "The label column.")
    var target = "target"

    /// Classification or regression.
    @Option(help: "What the label column holds: binary (class ids 0 and 1), multiclass (0, 1, 2, …) or regression (numbers).")
    var task: LearningTask = .binary

    /// The label delay.
    @Option(help: "How many requests later each label arrives.")
    var delay = 0

    /// Which model family learns.
    @Option(help: """
        linear (logistic regression for binary streams, softmax regression for multiclass, linear regression for \
        regression; river's models with SGD), ftrl (FTRL-Proximal, binary), mlp (perceptron with ReLU hidden \
        layers, minibatch steps on BLAS; a sigmoid, softmax or linear output for binary, multiclass or regression), \
        or knn (k nearest neighbours over the last examples, river's KNNClassifier / KNNRegressor).
        """)
    var model: ModelChoice = .linear

    /// The optimizer.
    @Option(help: "The update rule of linear models and the perceptron: sgd, adagrad or adam. Default: sgd for linear, adam for mlp.")
    var optimizer: OptimizerChoice?

    /// The learning rate.
    @Option(help: "The optimizer's base learning rate. Default: 0.01 for linear, the loop's mlp member's (0.003) for mlp.")
    var learningRate: Double?

    /// L2 strength.
    @Option(help: "L2 strength on the weights (linear, mlp; FTRL has its own --l2).")
    var weightL2 = 0.0

    /// Hidden layers.
    @Option(help: ArgumentHelp("mlp: units per hidden layer, one or two layers, comma-separated (default: the loop's mlp member).", valueName: "units"))
    var hidden = InitialModels.perceptronHidden.map(String.init).joined(separator: ",")

    /// Minibatch size.
    @Option(help: "mlp: examples per minibatch step (default: the loop's mlp member).")
    var batchSize = InitialModels.perceptronBatchSize

    /// k-NN's neighbours.
    @Option(help: "knn: neighbours per answer (default: the loop's knn member).")
    var neighbors = InitialModels.nearestNeighborsCount
    /// k-NN's window.
    @Option(help: "knn: how many of the last examples are kept (default: the loop's knn member).")
    var window = InitialModels.nearestNeighborsWindow

    /// FTRL's settings.
    @Option(help: "FTRL-Proximal alpha (learning-rate scale).")
    var ftrlAlpha = 0.05
    /// FTRL beta.
    @Option(help: "FTRL-Proximal beta (learning-rate offset).")
    var ftrlBeta = 1.0
    /// FTRL L1.
    @Option(help: "FTRL-Proximal L1 strength.")
    var l1 = 0.5
    /// FTRL L2.
    @Option(help: "FTRL-Proximal L2 strength.")
    var l2 = 1.0

    /// The hidden layer sizes from `--hidden`.
    var hiddenLayers: [Int] { hidden.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    /// Checks the flags.
    func validate() throws {
        guard delay >= 0 else { throw ValidationError("--delay cannot be negative, not \(delay).") }
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
            throw ValidationError("--learning-rate must be a positive number, not \(learningRate).")
        }
        guard ftrlAlpha > 0, ftrlBeta >= 0, l1 >= 0, l2 >= 0, [ftrlAlpha, ftrlBeta, l1, l2].allSatisfy(\.isFinite) else {
            throw ValidationError("--ftrl-alpha must be positive and --ftrl-beta, --l1, --l2 not negative.")
        }
        guard weightL2 >= 0, weightL2.isFinite else { throw ValidationError("--weight-l2 cannot be negative, not \(weightL2).") }
        let layers = hiddenLayers
        guard (1...2).contains(layers.count), layers.count == hidden.split(separator: ",").count, layers.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--hidden takes one or two positive unit counts, like 64 or 64,32; not '\(hidden)'.")
        }
        guard neighbors > 0, window >= neighbors else {
            throw ValidationError("--neighbors must be positive and --window at least as large, not \(neighbors) and \(window).")
        }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, not \(batchSize).") }
        if model == .ftrl && task != .binary {
            throw ValidationError("--model ftrl is a binary classifier; use --model linear (or mlp) for --task \(task.rawValue).")
        }
    }

    /// Runs the evaluation and prints the result.
    func run() throws {
        let schemaData = try Self.read(schema, flag: "--schema")
        let featureSchema: FeatureSchema
        do {
            featureSchema = try JSONDecoder().decode(FeatureSchema.self, from: schemaData)
        } catch {
            throw ValidationError("--schema \(schema) is not a feature schema: \(error)")
        }
        let clock = ContinuousClock()
        let start = clock.now
        let examples = try EvalStream.load(data, schema: featureSchema, target: target, task: task)
        let parsed = clock.now
        let pipeline = try FeaturePipeline(schema: featureSchema)
        let rule = (optimizer ?? (model == .mlp ? .adam : .sgd)).optimizer
        let (modelName, scores): (String, String)
        switch model {
        case .linear:
            let rate = learningRate ?? 0.01
            let name = "\(rule.name) lr \(rate)\(weightL2 > 0 ? ", L2 \(weightL2)" : "")"
            if task == .multiclass {
                let classes = max(2, Int(examples.largestTarget) + 1)
                modelName = "softmax regression over \(classes) classes, \(name)"
                scores = evaluateMulticlass(examples, pipeline, SoftmaxRegression(
                    classes: classes, dimension: pipeline.dimension, learningRate: rate,
                    interceptLearningRate: rule == .sgd ? rate : 0.01, optimizer: rule, l2: weightL2))
            } else if task == .binary {
                modelName = "logistic regression, \(name)"
                scores = evaluate(examples, pipeline, LogisticRegression(
                    dimension: pipeline.dimension, learningRate: rate, interceptLearningRate: rule == .sgd ? rate : 0.01,
                    optimizer: rule, l2: weightL2))
            } else {
                modelName = "linear regression, \(name)"
                scores = evaluate(examples, pipeline, LinearRegression(
                    dimension: pipeline.dimension, learningRate: rate, interceptLearningRate: rule == .sgd ? rate : 0.01,
                    optimizer: rule, l2: weightL2))
            }
        case .ftrl:
            modelName = "FTRL-Proximal logistic regression, alpha \(ftrlAlpha), beta \(ftrlBeta), L1 \(l1), L2 \(l2)"
            scores = evaluate(examples, pipeline, FTRLProximal(
                dimension: pipeline.dimension, alpha: ftrlAlpha, beta: ftrlBeta, l1: l1, l2: l2))
        case .mlp:
            let rate = learningRate ?? InitialModels.perceptronLearningRate
            let classes = max(2, Int(examples.largestTarget) + 1)
            let perceptronTask: MultilayerPerceptron.Task = switch task {
            case .binary: .binary
            case .regression: .regression
            case .multiclass: .multiclass
            }
            let perceptron = MultilayerPerceptron(
                task: perceptronTask, inputs: pipeline.dimension, hidden: hiddenLayers, classes: classes,
                batchSize: batchSize, optimizer: rule, learningRate: rate, l2: weightL2)
            modelName = "perceptron \(perceptron.layerSizes.map(String.init).joined(separator: "→")) (ReLU\(task == .multiclass ? ", softmax" : "")), "
                + "batch \(batchSize), \(rule.name) lr \(rate)\(weightL2 > 0 ? ", L2 \(weightL2)" : "")"
            scores = task == .multiclass ? evaluateMulticlass(examples, pipeline, perceptron) : evaluate(examples, pipeline, perceptron)
        case .knn:
            let classes = task == .regression ? 2 : max(2, Int(examples.largestTarget) + 1)
            let knn = NearestNeighbors(task: task, classes: classes, dimension: pipeline.dimension, neighbors: neighbors, window: window)
            modelName = "\(neighbors) nearest neighbours over the last \(window) examples"
                + (task == .regression ? " (mean)" : " (votes by 1 / distance)")
            scores = task == .multiclass ? evaluateMulticlass(examples, pipeline, knn) : evaluate(examples, pipeline, knn)
        }
        let end = clock.now
        let seconds = (end - start) / .seconds(1)
        let learnSeconds = (end - parsed) / .seconds(1)
        print("""
            stream     \(data) (\(examples.count) requests, \(featureSchema.features.count) features, label delay \(delay))
            model      \(modelName), vector of \(pipeline.dimension)
            \(scores)
            speed      \(Int(Double(examples.count) / seconds)) requests/s with parsing, \
            \(Int(Double(examples.count) / learnSeconds)) without (predict + learn, one thread)
            """)
    }

    /// Runs a multiclass stream through a model test-then-train and formats its metrics.
    private func evaluateMulticlass(_ examples: EvalStream, _ pipeline: FeaturePipeline, _ model: some MulticlassModel) -> String {
        let metrics = examples.run(PrequentialEvaluation(delay: delay), pipeline: pipeline, model: model)
        return """
            accuracy   \(String(format: "%.4f", metrics.accuracy))   (last 1,000: \
            \(String(format: "%.4f", metrics.recentAccuracy.value)); fading 0.999: \
            \(String(format: "%.4f", metrics.fadingAccuracy.value)))
            log loss   \(String(format: "%.4f", metrics.logLoss))
            macro F1   \(String(format: "%.4f", metrics.confusion.macroF1))
            """
    }

    /// Runs the stream through a model test-then-train and formats the task's metrics.
    private func evaluate<Model: OnlineModel>(
        _ examples: EvalStream, _ pipeline: FeaturePipeline, _ model: Model
    ) -> String {
        let evaluation = PrequentialEvaluation(delay: delay)
        switch task {
        case .multiclass:
            preconditionFailure("multiclass streams go through evaluateMulticlass")
        case .binary:
            let metrics = examples.run(evaluation, pipeline: pipeline, model: model, metrics: BinaryEvaluationMetrics.self)
            return """
                accuracy   \(String(format: "%.4f", metrics.overall.accuracy))   (last 1,000: \
                \(String(format: "%.4f", metrics.recentAccuracy.value)); fading 0.999: \
                \(String(format: "%.4f", metrics.fadingAccuracy.value)))
                log loss   \(String(format: "%.4f", metrics.overall.logLoss))
                ROC AUC    \(String(format: "%.4f", metrics.rocAUC.value))
                macro F1   \(String(format: "%.4f", metrics.confusion.macroF1))
                """
        case .regression:
            let metrics = examples.run(evaluation, pipeline: pipeline, model: model, metrics: RegressionEvaluationMetrics.self)
            return """
                MAE        \(String(format: "%.4f", metrics.overall.meanAbsoluteError))   (last 1,000: \
                \(String(format: "%.4f", metrics.recentAbsoluteError.value)); fading 0.999: \
                \(String(format: "%.4f", metrics.fadingAbsoluteError.value)))
                RMSE       \(String(format: "%.4f", metrics.overall.rootMeanSquaredError))
                R²         \(String(format: "%.4f", metrics.overall.rSquared))
                """
        }
    }

    static func read(_ path: String, flag: String) throws -> Data {
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw ValidationError("\(flag) \(path): no such file, or not readable.")
        }
        return contents
    }
}

extension LearningTask: ExpressibleByArgument {}

/// `flywheel eval --model`.
enum ModelChoice: String, ExpressibleByArgument, CaseIterable {
    case linear, ftrl, mlp, knn
}

/// `flywheel eval --optimizer`.
enum OptimizerChoice: String, ExpressibleByArgument, CaseIterable {
    case sgd, adagrad, adam

    /// The rule with river's default settings.
    var optimizer: Optimizer {
        switch self {
        case .sgd: .sgd
        case .adagrad: .adaGradDefault
        case .adam: .adamDefault
        }
    }
}
