import Datasets
import FeatureValues
import Foundation
import OnlineLearning
import Testing

/// Logistic regression configured like river's (`StandardScaler() | LogisticRegression()`, SGD lr 0.01), evaluated
/// prequentially with the shared protocol. Reference values: ../shared/data/README.md (river 0.26.1, `logreg` row).
@Suite("Prequential logistic regression against river")
struct PrequentialEvaluationTests {
    static func seaExamples() throws -> (FeatureSchema, [PrequentialEvaluation.Example]) {
        let schema = try JSONDecoder().decode(FeatureSchema.self, from: try SharedData.file("sea_abrupt.meta.json"))
        let text = String(decoding: try SharedData.file("sea_abrupt.csv"), as: UTF8.self)
        return (schema, try CSVExamples.parse(text, schema: schema, target: "target"))
    }

    @Test(arguments: [(0, 0.8854, 0.425), (1000, 0.8770, 0.429)])
    func seaAbruptMatchesRiver(delay: Int, riverAccuracy: Double, riverLogLoss: Double) throws {
        let (schema, examples) = try Self.seaExamples()
        #expect(examples.count == 100_000)
        let pipeline = try FeaturePipeline(schema: schema)
        let result = PrequentialEvaluation(delay: delay).run(
            examples, pipeline: pipeline, model: LogisticRegression(dimension: pipeline.dimension))
        print("sea_abrupt delay \(delay): accuracy \(result.metrics.accuracy) (river \(riverAccuracy)), log loss \(result.metrics.logLoss) (river \(riverLogLoss))")
        #expect(result.metrics.count == 100_000, "every request scored once")
        #expect(result.model.examplesSeen == 100_000, "every label learned once")
        // river's figures are rounded to 4 (accuracy) and 3 (log loss) decimals; these tolerances are that rounding.
        #expect(abs(result.metrics.accuracy - riverAccuracy) <= 0.00005 + 1e-9,
                "accuracy \(result.metrics.accuracy) vs river \(riverAccuracy)")
        #expect(abs(result.metrics.logLoss - riverLogLoss) <= 0.0005 + 1e-9,
                "log loss \(result.metrics.logLoss) vs river \(riverLogLoss)")
    }

    /// The other shared classification streams, within half a point of river's `logreg` (issue 4's bar) at both
    /// delays; figures from ../shared/data/README.md. agrawal's categories are hashed (64 buckets) where river one-hot
    /// encodes them, so it is close rather than equal.
    @Test(arguments: [("agrawal_abrupt", 0, 0.7651), ("agrawal_abrupt", 1000, 0.7534), ("elec", 0, 0.8165), ("elec", 1000, 0.7611)])
    func otherStreamsMatchRiver(stream: String, delay: Int, riverAccuracy: Double) throws {
        let schema = try JSONDecoder().decode(FeatureSchema.self, from: try SharedData.file("\(stream).meta.json"))
        let rows = try CSVRows([UInt8](try SharedData.file("\(stream).csv")), schema: schema, target: "target")
        let pipeline = try FeaturePipeline(schema: schema)
        let result = PrequentialEvaluation(delay: delay).run(
            rows: rows, pipeline: pipeline, model: LogisticRegression(dimension: pipeline.dimension), metrics: BinaryMetrics.self)
        print("\(stream) delay \(delay): accuracy \(result.metrics.accuracy) (river \(riverAccuracy))")
        #expect(abs(result.metrics.accuracy - riverAccuracy) <= 0.005)
    }

    /// Test-then-train: with a delay as long as the stream, nothing is learned before every prediction is made, so
    /// every prediction is the untrained 0.5 (scored as class 0).
    @Test func predictionsComeBeforeTheirLabels() throws {
        let schema = FeatureSchema(features: [.init(name: "x", kind: .numeric)])
        let examples = (0..<50).map { PrequentialEvaluation.Example(features: ["x": .number(Double($0))], label: 1) }
        let result = PrequentialEvaluation(delay: 50).run(
            examples, pipeline: try FeaturePipeline(schema: schema), model: LogisticRegression(dimension: 2 + 64))
        #expect(result.metrics.accuracy == 0)
        #expect(abs(result.metrics.logLoss - log(2)) < 1e-12)
        #expect(result.model.examplesSeen == 50)
    }

    @Test func malformedCSVIsExplained() {
        let schema = FeatureSchema(features: [.init(name: "x", kind: .numeric)])
        #expect(throws: FeatureSchemaError.self) { try CSVExamples.parse("x,target\n1,0\nabc,1\n", schema: schema, target: "target") }
        #expect(throws: FeatureSchemaError.self) { try CSVExamples.parse("x,y\n1,0\n", schema: schema, target: "target") }
        #expect(throws: FeatureSchemaError.self) { try CSVExamples.parse("x,target\n1\n", schema: schema, target: "target") }
    }
}

/// Linear regression configured like river's (`StandardScaler() | LinearRegression()`, SGD lr 0.01) on friedman_gra.
/// Reference values: ../shared/data/README.md (river 0.26.1, `linreg` row: MAE 2.182 at delay 0, 2.326 at 1000,
/// RMSE 2.804 at delay 0). The issue asks for MAE within 2%.
@Suite("Prequential linear regression against river")
struct PrequentialRegressionTests {
    @Test(arguments: [(0, 2.182), (1000, 2.326)])
    func friedmanMatchesRiver(delay: Int, riverMAE: Double) throws {
        let schema = try JSONDecoder().decode(FeatureSchema.self, from: try SharedData.file("friedman_gra.meta.json"))
        let text = String(decoding: try SharedData.file("friedman_gra.csv"), as: UTF8.self)
        let examples = try CSVExamples.parse(text, schema: schema, target: "target", task: .regression)
        #expect(examples.count == 100_000)
        let pipeline = try FeaturePipeline(schema: schema)
        let result = PrequentialEvaluation(delay: delay).run(
            examples, pipeline: pipeline, model: LinearRegression(dimension: pipeline.dimension),
            metrics: RegressionMetrics.self)
        print("friedman_gra delay \(delay): MAE \(result.metrics.meanAbsoluteError) (river \(riverMAE)), RMSE \(result.metrics.rootMeanSquaredError)")
        #expect(result.metrics.count == 100_000)
        // Within river's printed rounding (3 decimals), far inside the 2%.
        #expect(abs(result.metrics.meanAbsoluteError - riverMAE) <= 0.0005 + 1e-9)
        if delay == 0 { #expect(abs(result.metrics.rootMeanSquaredError - 2.804) <= 0.0005 + 1e-9) }
    }

    @Test func binaryTargetsAreChecked() {
        let schema = FeatureSchema(features: [.init(name: "x", kind: .numeric)])
        let error = #expect(throws: FeatureSchemaError.self) {
            try CSVExamples.parse("x,target\n1,0\n2,2\n", schema: schema, target: "target", task: .binary)
        }
        #expect(error?.reason.contains("line 3") == true)
        #expect((try? CSVExamples.parse("x,target\n1,2.5\n", schema: schema, target: "target", task: .regression))?.first?.target == 2.5)
    }
}
