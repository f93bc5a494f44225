import FeatureValues
import Foundation
import OnlineLearning
import Testing

/// Reference values: `python3 scripts/reference/features.py` (numpy 2.4; FNV-1a written out in Python).
@Suite("Feature pipeline")
struct FeaturePipelineTests {
    static let agrawalLike = FeatureSchema(
        features: [
            .init(name: "salary", kind: .numeric),
            .init(name: "age", kind: .numeric),
            .init(name: "elevel", kind: .categorical),
            .init(name: "car", kind: .categorical),
        ],
        hashWidth: 64,
        crosses: [["elevel", "car"]]
    )

    @Test(arguments: [
        ("", UInt64(14_695_981_039_346_656_037)),
        ("a", 12_638_187_200_555_641_996),
        ("elevel=2", 14_694_316_442_359_179_945),
        ("car=8", 12_737_694_027_293_511_524),
        ("elevel=2&car=8", 14_728_739_750_403_259_564),
        ("zipcode=\u{0}missing", 6_654_098_655_277_293_228),
        ("ünïcode=✓", 7_218_968_098_647_684_645),
    ])
    func hashIsStableFNV1a(_ token: String, _ expected: UInt64) {
        #expect(FeatureHashing.fnv1a(token) == expected)
    }

    /// Welford over the first 1,000 `x0` values of sea_abrupt equals numpy's mean and population variance.
    @Test func runningStatisticsMatchNumpy() throws {
        let rows = try SharedData.rows("sea_abrupt.csv", limit: 1001)
        var statistics = RunningStatistics()
        for row in rows.prefix(1000) { statistics.update(try #require(Double(row["x0"] ?? ""))) }
        #expect(statistics.count == 1000)
        #expect(abs(statistics.mean - 5.0552435) < 1e-12)
        #expect(abs(statistics.variance - 8.24431796413775) / 8.24431796413775 < 1e-12)
        let next = try #require(Double(rows[1000]["x0"] ?? ""))
        #expect(abs(statistics.standardized(next) - -1.35132318462794) < 1e-12)
    }

    @Test func layoutStandardizesIndicatesAndHashes() throws {
        var pipeline = try FeaturePipeline(schema: Self.agrawalLike)
        #expect(pipeline.dimension == 2 * 2 + 64)
        for (salary, age) in [(10.0, 20.0), (20.0, 40.0), (30.0, 60.0)] {
            pipeline.learn(["salary": .number(salary), "age": .number(age)])
        }
        let encoded = pipeline.transform([
            "salary": .number(30), "age": .missing, "elevel": .string("2"), "car": .number(8),
        ])
        #expect(encoded.issues.isEmpty)
        let v = encoded.vector
        #expect(abs(v[0] - Float((30.0 - 20.0) / (200.0 / 3.0).squareRoot())) < 1e-6)  // salary standardized
        #expect(v[1] == 0 && v[3] == 1)  // age missing: imputed at the mean, indicator set
        #expect(v[2] == 0)  // salary present
        // elevel=2, car=8 (the number 8 is the category "8") and the cross, each one bucket.
        #expect(v[4 + 41] >= 1)  // "elevel=2" → 41 (reference script)
        #expect(v[4 + 36] >= 1)  // "car=8" → 36 (reference script)
        #expect(v[4 + 44] >= 1)  // "elevel=2&car=8" → 44 (reference script)
        #expect(v[4...].reduce(0, +) == 3)
        #expect(FeatureHashing.bucket("elevel=2", width: 64) == 41)
    }

    @Test func sameVectorWhateverTheKeyOrder() throws {
        let pipeline = try FeaturePipeline(schema: Self.agrawalLike)
        let first = #"{"salary": 1.5, "age": 3, "elevel": "1", "car": "4"}"#
        let second = #"{"car": "4", "elevel": "1", "age": 3, "salary": 1.5}"#
        #expect(pipeline.transform(try Self.decode(first)).vector == pipeline.transform(try Self.decode(second)).vector)
    }

    @Test func transformDoesNotLearn() throws {
        var pipeline = try FeaturePipeline(schema: Self.agrawalLike)
        pipeline.learn(["salary": .number(1), "age": .number(1)])
        let before = pipeline.statistics
        _ = pipeline.transform(["salary": .number(100), "age": .number(100)])
        #expect(pipeline.statistics == before)
    }

    @Test func badValuesAreReportedAndEncodedAsMissing() throws {
        var pipeline = try FeaturePipeline(schema: Self.agrawalLike)
        let encoded = pipeline.transform([
            "salary": .number(.nan), "age": .string("old"), "elevel": .missing, "extra": .number(1),
        ])
        #expect(encoded.issues == [
            .nonFiniteNumber("salary"), .typeMismatch("age", expected: .numeric), .unknownFeature("extra"),
        ])
        #expect(encoded.vector[2] == 1 && encoded.vector[3] == 1)
        #expect(encoded.vector.allSatisfy { $0.isFinite })
        pipeline.learn(["salary": .number(.infinity), "age": .number(-.infinity)])
        #expect(pipeline.statistics.allSatisfy { $0.count == 0 })
        #expect(encoded.issues.map(\.description).allSatisfy { !$0.contains("old") })  // never the value
    }

    @Test func unseenCategoriesStillGetABucket() throws {
        let pipeline = try FeaturePipeline(schema: Self.agrawalLike)
        let vector = pipeline.transform(["elevel": .string("never-seen-before"), "car": .string("x")]).vector
        #expect(vector[4...].reduce(0, +) == 3)
    }

    @Test(arguments: [
        (FeatureSchema(features: []), "no features"),
        (FeatureSchema(features: [.init(name: "a", kind: .numeric), .init(name: "a", kind: .numeric)]), "twice"),
        (FeatureSchema(features: [.init(name: "a", kind: .numeric)], hashWidth: 0), "hashWidth"),
        (FeatureSchema(features: [.init(name: "a", kind: .numeric)], crosses: [["a", "b"]]), "not a categorical"),
    ])
    func unusableSchemasAreExplained(_ schema: FeatureSchema, _ phrase: String) {
        #expect {
            _ = try FeaturePipeline(schema: schema)
        } throws: { error in
            (error as? FeatureSchemaError)?.reason.contains(phrase) == true
        }
    }

    /// The shared data sets' `.meta.json` files decode as schemas.
    @Test(arguments: ["sea_abrupt", "agrawal_abrupt", "elec", "friedman_gra"])
    func sharedMetadataDecodesAsSchema(_ name: String) throws {
        let schema = try JSONDecoder().decode(FeatureSchema.self, from: try SharedData.file("\(name).meta.json"))
        _ = try FeaturePipeline(schema: schema)
        #expect(!schema.features.isEmpty)
        if name == "agrawal_abrupt" { #expect(schema.categoricalFeatures == ["elevel", "car", "zipcode"]) }
        // A `.meta.json` says nothing of buckets: 64 when something is hashed into them, else the one validate allows.
        #expect(schema.hashWidth == (name == "agrawal_abrupt" ? 64 : 1))
    }

    /// A schema that names its buckets keeps them, whatever its features; one that does not gets 64 only when it
    /// has a categorical feature (a numeric-only stream's vector had carried 64 inputs that were always zero).
    @Test func bucketsDefaultToWhatTheFeaturesNeed() throws {
        func decoded(_ json: String) throws -> FeatureSchema { try JSONDecoder().decode(FeatureSchema.self, from: Data(json.utf8)) }
        let numeric = #"{"name": "x", "type": "numeric"}"#, categorical = #"{"name": "c", "type": "categorical"}"#
        #expect(try decoded(#"{"features": [\#(numeric)]}"#).hashWidth == 1)
        #expect(try decoded(#"{"features": [\#(numeric), \#(categorical)]}"#).hashWidth == 64)
        #expect(try decoded(#"{"features": [\#(numeric)], "hashWidth": 16}"#).hashWidth == 16)
        #expect(try decoded(#"{"features": [\#(categorical)], "hashWidth": 4}"#).hashWidth == 4)
        let two = #"{"features": [\#(numeric), {"name": "y", "type": "numeric"}]}"#
        #expect(try FeaturePipeline(schema: decoded(two)).dimension == 5)
    }

    /// The schemas shipped in streams/ decode and are usable.
    @Test(arguments: ["sea_abrupt", "agrawal_abrupt"])
    func bundledSchemasAreUsable(_ name: String) throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("streams/\(name).schema.json")
        let data = try #require(FileManager.default.contents(atPath: url.path), "missing \(url.path)")
        let schema = try JSONDecoder().decode(FeatureSchema.self, from: data)
        let pipeline = try FeaturePipeline(schema: schema)
        #expect(pipeline.dimension == 2 * schema.numericFeatures.count + schema.hashWidth)
    }

    static func decode(_ json: String) throws -> FeatureMap {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        return object.mapValues { value in
            if let text = value as? String { return .string(text) }
            if let number = value as? NSNumber { return .number(number.doubleValue) }
            return .missing
        }
    }
}

/// The data sets bundled in streams/data (copied from the shared data sets, checksums in their .meta.json).
enum SharedData {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("streams/data")

    static func file(_ name: String) throws -> Data {
        let url = directory.appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw FeatureSchemaError("bundled data file \(url.path) is missing")
        }
        return data
    }

    /// The first `limit` rows of a CSV with a header line, as column → text.
    static func rows(_ name: String, limit: Int) throws -> [[String: String]] {
        let lines = String(decoding: try file(name), as: UTF8.self).split(separator: "\n", maxSplits: limit + 1)
        let header = lines[0].split(separator: ",").map(String.init)
        return lines.dropFirst().prefix(limit).map { line in
            Dictionary(uniqueKeysWithValues: zip(header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        }
    }
}
