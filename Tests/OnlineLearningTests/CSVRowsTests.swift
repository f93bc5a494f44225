@testable import Datasets
import FeatureValues
import Foundation
import Testing

@testable import OnlineLearning

/// The byte-level CSV reader gives exactly what the feature-map path gives: the same numbers as `Double(String)`, the
/// same vectors as `FeaturePipeline.transform(_:)`, the same prequential results, and the same refusals.
@Suite("CSV rows")
struct CSVRowsTests {
    /// Every bundled stream (and agrawal with its crosses schema): row vectors equal feature-map vectors while the
    /// pipeline learns, and targets match.
    @Test(arguments: [
        ("sea_abrupt", "sea_abrupt.meta.json", LearningTask.binary), ("agrawal_abrupt", "agrawal_abrupt.meta.json", .binary),
        ("agrawal_abrupt", "../agrawal_abrupt.schema.json", .binary), ("elec", "elec.meta.json", .binary),
        ("friedman_gra", "friedman_gra.meta.json", .regression), ("waveform", "waveform.meta.json", .multiclass),
    ])
    func rowsEncodeLikeFeatureMaps(_ stream: String, _ schemaFile: String, _ task: LearningTask) throws {
        let schema = try JSONDecoder().decode(FeatureSchema.self, from: SharedData.file(schemaFile))
        let bytes = try SharedData.file("\(stream).csv")
        let rows = try CSVRows([UInt8](bytes), schema: schema, target: "target", task: task)
        let examples = try CSVExamples.parse(String(decoding: bytes, as: UTF8.self), schema: schema, target: "target", task: task)
        #expect(rows.count == examples.count && rows.targets == examples.map(\.target))
        var pipeline = try FeaturePipeline(schema: schema)
        var rowPipeline = pipeline
        var vector = [Float](repeating: 0, count: pipeline.dimension)
        var mismatches = 0
        for index in stride(from: 0, to: min(rows.count, 3000), by: 1) {
            rowPipeline.transform(row: index, of: rows, into: &vector)
            if vector != pipeline.transform(examples[index].features).vector { mismatches += 1 }
            pipeline.learn(examples[index].features)
            rowPipeline.learn(row: index, of: rows)
        }
        #expect(mismatches == 0)
        #expect(rowPipeline == pipeline, "the same statistics")
    }

    /// The prequential run over rows gives bit-identical metrics to the run over examples.
    @Test func prequentialRunsAgree() throws {
        let schema = try JSONDecoder().decode(FeatureSchema.self, from: SharedData.file("../agrawal_abrupt.schema.json"))
        let bytes = try SharedData.file("agrawal_abrupt.csv")
        let rows = try CSVRows([UInt8](bytes), schema: schema, target: "target")
        let examples = try CSVExamples.parse(String(decoding: bytes, as: UTF8.self), schema: schema, target: "target")
        let pipeline = try FeaturePipeline(schema: schema)
        let model = LogisticRegression(dimension: pipeline.dimension, optimizer: .adaGradDefault)
        let fromRows = PrequentialEvaluation(delay: 500).run(rows: rows, pipeline: pipeline, model: model, metrics: BinaryEvaluationMetrics.self)
        let fromExamples = PrequentialEvaluation(delay: 500).run(examples, pipeline: pipeline, model: model, metrics: BinaryEvaluationMetrics.self)
        #expect(fromRows.metrics.overall == fromExamples.metrics.overall && fromRows.model == fromExamples.model)
        #expect(fromRows.metrics.count == 100_000)
    }

    /// Numbers read exactly as `Double(String)` reads them, bit for bit: hand-picked edge cases and 200,000 seeded
    /// random decimals of 1 to 21 significant digits with and without exponents (the fast path, the 80-bit path and
    /// the strtod fallback all get exercised).
    @Test func numbersMatchDoubleParsing() {
        var cases = ["0", "-0", "+1", "1.", ".5", "-.5", "1e5", "1E-5", "1e", "1e+", "e5", ".", "-", "", "nan", "inf", "-inf",
                     "0x1p3", "1e400", "1e-400", "4.9e-324", "1.7976931348623157e308", "123456789012345678901234",
                     "0.000000000000000000000000001", "9007199254740993", "0.1", "0.41491199999999997",
                     "108223.82", "1_0", " 1", "1 ", "00012.5000", "1e0022", "2.2250738585072014e-308"]
        var random = SplitMix64(seed: 7)
        for _ in 0..<200_000 {
            let digits = Int(random.next() % 21) + 1
            var text = (random.next() % 4 == 0) ? "-" : ""
            let point = Int(random.next() % UInt64(digits + 1))
            for position in 0..<digits {
                if position == point { text += "." }
                text += String(random.next() % 10)
            }
            if random.next() % 3 == 0 { text += "e\(Int(random.next() % 60) - 30)" }
            cases.append(text)
        }
        var mismatches: [String] = []
        for text in cases {
            let bytes = Array(text.utf8)
            let ours = bytes.withUnsafeBufferPointer { CSVRows.number($0) }
            let swift = Double(text)
            if ours?.bitPattern != swift?.bitPattern && !(ours?.isNaN == true && swift?.isNaN == true) {
                mismatches.append("\(text): \(String(describing: ours)) vs \(String(describing: swift))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    /// Bad input is refused with the line and column, as CSVExamples does.
    @Test func badInputIsNamed() {
        let schema = FeatureSchema(features: [.init(name: "x", kind: .numeric), .init(name: "c", kind: .categorical)])
        func error(_ text: String, task: LearningTask = .binary) -> String? {
            do {
                _ = try CSVRows(Array(text.utf8), schema: schema, target: "y", task: task)
                return nil
            } catch {
                return error.reason
            }
        }
        #expect(error("x,c,y\n1,a,0\nabc,b,1\n")?.contains("line 3: feature 'x' is not a number") == true)
        #expect(error("x,c,y\n1,a,2\n")?.contains("line 2: the target 'y' is not a class id 0 or 1") == true)
        #expect(error("x,c,y\n1,a,0.5\n", task: .multiclass)?.contains("not a class id") == true)
        #expect(error("x,c,y\n1,a,nan\n", task: .regression)?.contains("line 2: the target 'y' is not a number") == true)
        #expect(error("x,c,y\n1,a\n")?.contains("line 2 has 2 fields, the header 3") == true)
        #expect(error("x,y\n1,0\n")?.contains("no column for feature 'c'") == true)
        #expect(error("x,c\n1,a\n")?.contains("no target column 'y'") == true)
        #expect(error("")?.contains("empty") == true)
        // Missing values: an empty numeric is missing (indicator), an empty category its own token; NaN as missing.
        let rows = try? CSVRows(Array("x,c,y\n,,1\nnan,a,0\n".utf8), schema: schema, target: "y")
        #expect(rows?.count == 2 && rows?.numerics[0].isNaN == true && rows?.numerics[1].isNaN == true)
    }
}
