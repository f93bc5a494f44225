import FeatureValues
import FlywheelEvents
import OnlineLearning
import Foundation
import Testing

/// The Swift event types against the JSON Schemas in streams/schemas, checked by a real validator: Python's
/// `jsonschema` (draft 2020-12) through scripts/validate-events.py.
@Suite("Event contracts")
struct EventContractTests {

    /// Validates JSON documents against one schema; returns (valid, error) per document, in order.
    static func validate(_ documents: [[UInt8]], schema: String) throws -> [(valid: Bool, error: String?)] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flywheel-events-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        for (index, document) in documents.enumerated() {
            let url = directory.appendingPathComponent("\(index).json")
            try Data(document).write(to: url)
            paths.append(url.path)
        }
        let data = try ScriptRun.python("validate-events.py", [schema] + paths)
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return (object["valid"] as? Bool ?? false, object["error"] as? String)
        }
    }

    static let champion = ModelReference(id: "logreg", version: 3)
    static let shadow = ModelReference(id: "logreg-fresh", version: 1)

    @Test func everyEventTypeValidates() throws {
        let schema = FeatureSchema(features: [.init(name: "x0", kind: .numeric)], hashWidth: 1)
        let blob = ModelBlob.encode(
            pipeline: try FeaturePipeline(schema: schema), model: LogisticRegression(dimension: 3))
        let cases: [(String, [UInt8])] = [
            ("request.schema.json", EventDecoding.encode(RequestEvent(
                id: "sea_abrupt:0", ts: 1_700_000_000, features: ["x0": .number(6.3943), "c": .string("a"), "m": .missing]))),
            ("label.schema.json", EventDecoding.encode(LabelEvent(id: "sea_abrupt:0", ts: 1_700_000_001.0005, label: 0))),
            ("prediction.schema.json", EventDecoding.encode(PredictionEvent(
                requestId: "sea_abrupt:0", ts: 1_700_000_000, features: ["x0": .number(6.3943), "c": .missing],
                champion: ModelOutput(model: Self.champion, answer: 1, probabilities: [0.2, 0.8]),
                shadows: [ModelOutput(model: Self.shadow, answer: 0, probabilities: [0.6, 0.4])]))),
            ("example.schema.json", EventDecoding.encode(JoinedExample(
                requestId: "sea_abrupt:0", requestTs: 1_700_000_000, labelTs: 1_700_000_001, features: ["x0": .number(1)],
                label: 1, champion: ModelOutput(model: Self.champion, answer: 1, probabilities: [0.2, 0.8]), shadows: []))),
            ("model-event.schema.json", EventDecoding.encode(ModelEvent(
                kind: .version, ts: 1_700_000_002, model: Self.shadow, weights: Data(blob).base64EncodedString()))),
            ("model-event.schema.json", EventDecoding.encode(ModelEvent(
                kind: .promotion, ts: 1_700_000_003, model: Self.shadow, replaces: Self.champion,
                evidence: ["test": .text("margin"), "samples": .number(2000), "accuracyGain": .number(0.031)]))),
            ("drift-report.schema.json", EventDecoding.encode(DriftReport(
                model: Self.champion, ts: 1_700_000_004, window: .init(fromTs: 1, toTs: 2, examples: 1000),
                metrics: ["accuracy": 0.87], detectors: [.init(name: "ADWIN", state: .drift)],
                features: [.init(name: "x0", statistic: "PSI", value: 0.31, threshold: 0.2, drifted: true)]))),
            ("dead-letter.schema.json", EventDecoding.encode(DeadLetterEvent(
                reason: "RequestEvent is not valid JSON", source: .init(topic: "flywheel.requests", partition: 2, offset: 41),
                key: Array("k".utf8), value: Array("not json".utf8), ts: 1_700_000_005))),
        ]
        for (schemaName, document) in cases {
            let result = try #require(try Self.validate([document], schema: schemaName).first)
            #expect(result.valid, "\(schemaName): \(result.error ?? "")")
        }
    }

    /// The validator is not a rubber stamp: documents that break the contract are refused.
    @Test func brokenDocumentsAreRefused() throws {
        let requests = [
            #"{"ts": 1, "features": {}}"#,  // no id
            #"{"id": "a", "ts": 1, "features": {"x": {"nested": 1}}}"#,  // feature of the wrong type
            #"{"id": "", "ts": 1, "features": {}}"#,  // empty id
        ]
        for result in try Self.validate(requests.map { Array($0.utf8) }, schema: "request.schema.json") {
            #expect(!result.valid)
        }
        let versionWithoutWeights = #"{"kind": "version", "ts": 1, "model": {"id": "m", "version": 1}}"#
        let result = try #require(try Self.validate([Array(versionWithoutWeights.utf8)], schema: "model-event.schema.json").first)
        #expect(!result.valid)
        #expect(result.error?.contains("weights") == true)
    }

    /// The request format of ../shared/data/README.md decodes, and what does not decode says why, naming fields only.
    @Test func requestDecodingNamesTheProblem() throws {
        let good = #"{"id":"sea_abrupt:0","ts":1700000000.0,"features":{"x0":6.3943,"x1":0.2501,"x2":null,"c":"red"}}"#
        let event = try EventDecoding.decode(RequestEvent.self, from: Array(good.utf8))
        #expect(event.features == ["x0": .number(6.3943), "x1": .number(0.2501), "x2": .missing, "c": .string("red")])

        let cases: [(String, String)] = [
            ("this is not json", "not valid JSON"),
            (#"{"ts": 1, "features": {}}"#, "missing field 'id'"),
            (#"{"id": "a", "ts": 1, "features": {"secret": [1, 2]}}"#, "field 'features.secret' has the wrong type"),
            (#"{"id": "a", "ts": 1, "features": {"x": NaN}}"#, "not valid JSON"),
            (#"{"id": "a", "ts": "yesterday", "features": {}}"#, "field 'ts' has the wrong type"),
        ]
        for (document, phrase) in cases {
            let error = #expect(throws: EventDecodingError.self) {
                try EventDecoding.decode(RequestEvent.self, from: Array(document.utf8))
            }
            #expect(error?.reason.contains(phrase) == true, "\(error?.reason ?? "no error") should say \(phrase)")
            #expect(error?.reason.contains("yesterday") != true, "reasons name fields, never values")
        }
    }

    @Test func eventsRoundTrip() throws {
        let prediction = PredictionEvent(
            requestId: "r", ts: 1, features: [:], champion: ModelOutput(model: Self.champion, answer: 2.5), shadows: [])
        #expect(try EventDecoding.decode(PredictionEvent.self, from: EventDecoding.encode(prediction)) == prediction)
        let letter = DeadLetterEvent(
            reason: "x", source: .init(topic: "t", partition: 0, offset: 1), key: nil, value: [0, 255], ts: 0)
        #expect(try EventDecoding.decode(DeadLetterEvent.self, from: EventDecoding.encode(letter)) == letter)
        #expect(letter.value == "AP8=")
    }
}
