import ArgumentParser
import Foundation
import OnlineLearning

// MARK: - EvalCommand

/// `flywheel eval`: prequential (test-then-train) evaluation of online logistic regression on a CSV stream.
struct EvalCommand: ParsableCommand {
    /// Help text.
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate an online linear model on a labelled CSV stream, test-then-train.",
        discussion: """
            Every row is a request: the model predicts it from the features as they are then, and learns its label \
            --delay rows later (0: at once), as the data sets' README defines the protocol. Numeric features are \
            standardized with running statistics, categorical ones one-hot encoded by hashing (see the schema). \
            Binary streams use logistic regression and print accuracy (overall and over the last 1,000 requests), \
            log loss, ROC AUC and macro F1; regression streams use linear regression and print MAE, RMSE and R²; \
            both print throughput.

            Example: flywheel eval --data streams/data/sea_abrupt.csv --schema streams/sea_abrupt.schema.json --delay 1000
            """
    )

    /// The CSV stream.
    @Option(help: ArgumentHelp("The labelled stream: CSV with a header line.", valueName: "path"))
    var data: String

    /// The feature schema.
    @Option(help: ArgumentHelp("Feature schema (JSON): streams/*.schema.json or a data set's .meta.json.", valueName: "path"))
    var schema: String

    /// The label column.
    @Option(help: "The label column.")
    var target = "target"

    /// Classification or regression.
    @Option(help: "What the label column holds: binary (class ids 0 and 1) or regression (numbers).")
    var task: CSVExamples.Task = .binary

    /// The label delay.
    @Option(help: "How many requests later each label arrives.")
    var delay = 0

    /// The learning rate.
    @Option(help: "SGD learning rate of the weights and the intercept.")
    var learningRate = 0.01

    /// Which model learns binary streams.
    @Option(help: "For binary streams: logreg (SGD, river's defaults) or ftrl (FTRL-Proximal).")
    var model: BinaryModelChoice = .logreg

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

    /// Checks the flags.
    func validate() throws {
        guard delay >= 0 else { throw ValidationError("--delay cannot be negative, not \(delay).") }
        guard learningRate > 0, learningRate.isFinite else {
            throw ValidationError("--learning-rate must be a positive number, not \(learningRate).")
        }
        guard ftrlAlpha > 0, ftrlBeta >= 0, l1 >= 0, l2 >= 0, [ftrlAlpha, ftrlBeta, l1, l2].allSatisfy(\.isFinite) else {
            throw ValidationError("--ftrl-alpha must be positive and --ftrl-beta, --l1, --l2 not negative.")
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
        let text = String(decoding: try Self.read(data, flag: "--data"), as: UTF8.self)
        let clock = ContinuousClock()
        let start = clock.now
        let examples = try CSVExamples.parse(text, schema: featureSchema, target: target, task: task)
        let parsed = clock.now
        let pipeline = try FeaturePipeline(schema: featureSchema)
        let evaluation = PrequentialEvaluation(delay: delay)
        let modelName: String
        let scores: String
        var end = clock.now
        switch task {
        case .binary:
            let metrics: BinaryEvaluationMetrics
            if model == .ftrl {
                modelName = "FTRL-Proximal logistic regression, alpha \(ftrlAlpha), beta \(ftrlBeta), L1 \(l1), L2 \(l2)"
                let learner = FTRLProximal(dimension: pipeline.dimension, alpha: ftrlAlpha, beta: ftrlBeta, l1: l1, l2: l2)
                metrics = evaluation.run(examples, pipeline: pipeline, model: learner, metrics: BinaryEvaluationMetrics.self).metrics
            } else {
                modelName = "logistic regression, SGD lr \(learningRate)"
                let learner = LogisticRegression(
                    dimension: pipeline.dimension, learningRate: learningRate, interceptLearningRate: learningRate)
                metrics = evaluation.run(examples, pipeline: pipeline, model: learner, metrics: BinaryEvaluationMetrics.self).metrics
            }
            end = clock.now
            scores = """
                accuracy   \(String(format: "%.4f", metrics.overall.accuracy))   (last 1,000: \
                \(String(format: "%.4f", metrics.recentAccuracy.value)))
                log loss   \(String(format: "%.4f", metrics.overall.logLoss))
                ROC AUC    \(String(format: "%.4f", metrics.rocAUC.value))
                macro F1   \(String(format: "%.4f", metrics.confusion.macroF1))
                """
        case .regression:
            modelName = "linear regression, SGD lr \(learningRate)"
            let model = LinearRegression(
                dimension: pipeline.dimension, learningRate: learningRate, interceptLearningRate: learningRate)
            let metrics = evaluation.run(examples, pipeline: pipeline, model: model, metrics: RegressionMetrics.self).metrics
            end = clock.now
            scores = """
                MAE        \(String(format: "%.4f", metrics.meanAbsoluteError))
                RMSE       \(String(format: "%.4f", metrics.rootMeanSquaredError))
                R²         \(String(format: "%.4f", metrics.rSquared))
                """
        }
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

    static func read(_ path: String, flag: String) throws -> Data {
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw ValidationError("\(flag) \(path): no such file, or not readable.")
        }
        return contents
    }
}

extension CSVExamples.Task: ExpressibleByArgument {}

/// `flywheel eval --model`.
enum BinaryModelChoice: String, ExpressibleByArgument, CaseIterable {
    case logreg, ftrl
}
