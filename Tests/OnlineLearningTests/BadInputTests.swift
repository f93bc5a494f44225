import FeatureValues
import OnlineLearning
import Testing

/// Labels and features are user data: bad ones are refused and counted, never a trap or a NaN weight.
@Suite("Bad input to the models")
struct BadInputTests {
    static let schema = FeatureSchema(
        features: [.init(name: "x", kind: .numeric), .init(name: "c", kind: .categorical)], hashWidth: 8)

    @Test(arguments: [-1, 2, 7])
    func labelOutsideTheClassesIsRefused(_ label: Int) {
        var model = LogisticRegression(dimension: 3)
        model.learn([1, 0, 1], label: 1)
        let before = model
        model.learn([1, 0, 1], label: label)
        #expect(model.weights == before.weights && model.intercept == before.intercept)
        #expect(model.examplesRefused == 1)
        #expect(model.examplesSeen == 1)
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteVectorsAreRefusedByBothModels(_ bad: Float) {
        var classifier = LogisticRegression(dimension: 2)
        classifier.learn([bad, 1], label: 1)
        #expect(classifier.examplesRefused == 1 && classifier.weights.allSatisfy { $0.isFinite })
        var regressor = LinearRegression(dimension: 2)
        regressor.learn([bad, 1], target: 3)
        regressor.learn([1, 1], target: .nan)
        #expect(regressor.examplesRefused == 2 && regressor.weights.allSatisfy { $0.isFinite })
        #expect(regressor.intercept.isFinite)
    }

    /// A stream of NaN and infinite feature values, unseen categories and empty feature maps, end to end: every
    /// prediction is a probability and every weight stays finite.
    @Test func hostileStreamKeepsTheModelFinite() throws {
        let values: [FeatureValue] = [.number(.nan), .number(.infinity), .number(-1e300), .number(3), .missing, .string("x")]
        let examples = (0..<600).map { index -> PrequentialEvaluation.Example in
            var features: FeatureMap = [:]
            if index % 5 != 0 {  // every fifth request has an empty feature map
                features["x"] = values[index % values.count]
                features["c"] = .string("category-\(index)")  // always unseen
            }
            return .init(features: features, label: index % 2)
        }
        let pipeline = try FeaturePipeline(schema: Self.schema)
        let result = PrequentialEvaluation(delay: 3).run(
            examples, pipeline: pipeline, model: LogisticRegression(dimension: pipeline.dimension))
        #expect(result.metrics.count == 600)
        #expect(result.metrics.logLoss.isFinite)
        #expect(result.model.weights.allSatisfy { $0.isFinite })
        #expect(result.model.intercept.isFinite)
        #expect(result.pipeline.statistics.allSatisfy { $0.mean.isFinite && $0.variance.isFinite })
        #expect(result.pipeline.valuesRefused > 0, "the ±1e300 values were refused, not learned")
    }

    /// Every family, end to end through the pipeline on the hostile stream above: NaN and infinite values (encoded
    /// as missing), unseen categories (a bucket like any other), empty feature maps (all missing), plus labels outside
    /// the classes and non-finite vectors handed to the model directly — each refused and counted, no weight NaN.
    @Test(arguments: ["logistic-adam", "ftrl", "softmax", "mlp", "mlp-regression", "knn", "knn-regression", "linear-adagrad"])
    func everyFamilySurvivesHostileInput(_ family: String) throws {
        let pipeline = try FeaturePipeline(schema: Self.schema)
        let dimension = pipeline.dimension
        var learner: OnlineLearner = switch family {
        case "logistic-adam": .logistic(LogisticRegression(dimension: dimension, optimizer: .adamDefault, l1: 0.01, l2: 0.01))
        case "ftrl": .ftrl(FTRLProximal(dimension: dimension, l1: 0.1, l2: 0.1))
        case "softmax": .softmax(SoftmaxRegression(classes: 3, dimension: dimension, optimizer: .adaGradDefault))
        case "mlp": .mlp(MultilayerPerceptron(task: .binary, inputs: dimension, hidden: [8, 4], batchSize: 4))
        case "mlp-regression": .mlp(MultilayerPerceptron(task: .regression, inputs: dimension, hidden: [8], batchSize: 4))
        case "knn": .knn(NearestNeighbors(task: .binary, dimension: dimension, window: 50))
        case "knn-regression": .knn(NearestNeighbors(task: .regression, dimension: dimension, window: 50))
        default: .linear(LinearRegression(dimension: dimension, optimizer: .adaGradDefault))
        }
        let values: [FeatureValue] = [.number(.nan), .number(.infinity), .number(-1e300), .number(3), .missing, .string("x")]
        var pipelineState = pipeline
        var probabilitiesOK = true
        for index in 0..<400 {
            var features: FeatureMap = [:]
            if index % 5 != 0 {
                features["x"] = values[index % values.count]
                features["c"] = .string("category-\(index)")
            }
            let (answer, probabilities) = learner.output(pipelineState.transform(features).vector)
            if let probabilities { probabilitiesOK = probabilitiesOK && probabilities.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 } }
            #expect(answer.isFinite)
            pipelineState.learn(features)
            learner.learn(pipelineState.transform(features).vector, target: Double(index % 2))
        }
        let seen = learner.examplesSeen
        #expect(seen == 400, "every hostile request was learned, its bad values encoded as missing")
        var bad = [Float](repeating: 0, count: dimension)
        bad[0] = .nan
        learner.learn(bad, target: 1)
        bad[0] = .infinity
        learner.learn(bad, target: 0)
        if learner.isClassifier { learner.learn([Float](repeating: 0, count: dimension), target: 7) }
        learner.learn([Float](repeating: 0, count: dimension), target: .nan)
        #expect(learner.examplesSeen == seen, "refused, not learned")
        #expect(probabilitiesOK && learner.weights.allSatisfy(\.isFinite))
    }

    @Test func absurdValuesCannotMakeTheVectorInfinite() throws {
        var pipeline = try FeaturePipeline(schema: Self.schema)
        for value in [1.0, 2.0, 3.0] { pipeline.learn(["x": .number(value)]) }
        let vector = pipeline.transform(["x": .number(1e300)]).vector
        #expect(vector[0] == Float(FeaturePipeline.standardizedLimit))
        pipeline.learn(["x": .number(-1e308)])
        #expect(pipeline.valuesRefused == 1)
        #expect(pipeline.statistics[0].count == 3)
    }

    @Test func emptyFeatureMapEncodesAsAllMissing() throws {
        let pipeline = try FeaturePipeline(schema: Self.schema)
        let encoded = pipeline.transform([:])
        #expect(encoded.issues.isEmpty)
        #expect(encoded.vector[0] == 0 && encoded.vector[1] == 1)  // x imputed, indicator set
        #expect(encoded.vector[2...].reduce(0, +) == 1)  // c's missing token
    }

    /// Models are values: a copy learns on its own and leaves the original as it was.
    @Test func copiesAreIndependent() {
        var original = LinearRegression(dimension: 2)
        original.learn([1, 2], target: 3)
        var copy = original
        copy.learn([2, 1], target: -1)
        #expect(copy != original)
        #expect(original.examplesSeen == 1 && copy.examplesSeen == 2)
    }
}
