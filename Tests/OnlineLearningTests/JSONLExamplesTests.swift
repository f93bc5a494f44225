import Datasets
import FeatureValues
import Foundation
import OnlineLearning
import Testing

/// JSON Lines streams for `flywheel eval`: flat or nested objects, any key order, read into the same examples as the
/// CSV of the same rows.
@Suite("JSON Lines examples")
struct JSONLExamplesTests {
    @Test func flatAndNestedLinesReadAsTheCSVDoes() throws {
        let schema = try JSONDecoder().decode(FeatureSchema.self, from: SharedData.file("agrawal_abrupt.meta.json"))
        let csv = String(decoding: try SharedData.file("agrawal_abrupt.csv"), as: UTF8.self)
        let fromCSV = Array(try CSVExamples.parse(csv, schema: schema, target: "target").prefix(300))
        var lines: [String] = []
        for (index, example) in fromCSV.enumerated() {
            let features = example.features.sorted { index % 3 == 0 ? $0.key > $1.key : $0.key < $1.key }.map { name, value in
                switch value {
                case .number(let number): "\"\(name)\": \(number)"
                case .string(let text): "\"\(name)\": \"\(text)\""
                case .missing: "\"\(name)\": null"
                }
            }.joined(separator: ", ")
            lines.append(index % 2 == 0
                ? "{\(features), \"label\": \(Int(example.target))}"
                : "{\"id\": \"agrawal:\(index)\", \"label\": \(Int(example.target)), \"features\": {\(features)}}")
            if index % 50 == 0 { lines.append("   ") }  // blank lines are skipped
        }
        let fromJSONL = try JSONLExamples.parse(lines.joined(separator: "\n"), target: "label")
        #expect(fromJSONL.count == fromCSV.count)
        let pipeline = try FeaturePipeline(schema: schema)
        for (a, b) in zip(fromJSONL, fromCSV) {
            #expect(a.target == b.target)
            #expect(pipeline.transform(a.features).vector == pipeline.transform(b.features).vector)
        }
    }

    @Test func badLinesAreNamed() {
        func reason(_ text: String, task: LearningTask = .binary) -> String? {
            do {
                _ = try JSONLExamples.parse(text, target: "y", task: task)
                return nil
            } catch {
                return error.reason
            }
        }
        #expect(reason("{\"x\": 1, \"y\": 0}\n{\"x\": 2}") == "line 2: the target 'y' is missing or not a number")
        #expect(reason("{\"x\": 1, \"y\": 0}\nnot json") == "line 2 is not a JSON object of features and 'y'")
        #expect(reason("{\"x\": [1], \"y\": 0}")?.hasPrefix("line 1") == true)
        #expect(reason("{\"x\": 1, \"y\": 3}") == "line 1: the target 'y' is not a class id 0 or 1")
        #expect(reason("{\"x\": 1, \"y\": 2.5}", task: .multiclass) == "line 1: the target 'y' is not a class id 0, 1, 2, …")
        #expect(reason("{\"x\": 1, \"y\": 2.5}", task: .regression) == nil)
    }
}
