import Foundation

// MARK: - ModelBlob

/// Flywheel's versioned binary format for a trained model with its feature pipeline; docs/model-format.md
/// describes it byte by byte.
///
/// Layout (all integers little-endian):
/// `"FWMB"` · format version `UInt16` · model kind `UInt16` · schema hash `UInt64` · payload (length-prefixed) ·
/// checksum `UInt64` (FNV-1a 64 of every byte before it).
public enum ModelBlob {
    /// The format version this build writes and reads.
    public static let formatVersion: UInt16 = 4
    /// The oldest format version this build still reads.
    public static let oldestReadableVersion: UInt16 = 2
    /// The magic bytes that open every blob.
    static let magic: [UInt8] = Array("FWMB".utf8)
    /// The largest vector a blob may claim, so a corrupt length cannot ask for gigabytes.
    static let maximumDimension = 1 << 26

    /// Model families and their kind codes.
    enum Kind: UInt16 {
        case logisticRegression = 1
        case linearRegression = 2
        case ftrlProximal = 3
        case multilayerPerceptron = 4
        case softmaxRegression = 5
        case nearestNeighbors = 6
    }

    /// The hash that ties a model to its feature schema: FNV-1a 64 of the schema's canonical JSON (sorted keys).
    public static func schemaHash(_ schema: FeatureSchema) -> UInt64 {
        FeatureHashing.fnv1a(bytes: canonicalJSON(schema))
    }

    /// Saves a logistic regression and the pipeline that feeds it.
    public static func encode(pipeline: FeaturePipeline, model: LogisticRegression) -> [UInt8] {
        encode(pipeline: pipeline, learner: .logistic(model))
    }

    /// Saves a learner of any family and the pipeline that feeds it.
    /// - Parameter forServing: leave out what only further training needs — the optimizer's accumulators (AdaGrad's
    ///   sums, Adam's two moments: two thirds of a perceptron blob) and a perceptron's half-filled minibatch. Such a
    ///   blob scores exactly as the full one; training from it restarts those accumulators at zero. The trainer
    ///   publishes serving blobs and keeps full ones in its state file.
    public static func encode(pipeline: FeaturePipeline, learner: OnlineLearner, forServing: Bool = false) -> [UInt8] {
        var payload = BinaryWriter()
        payload.write(canonicalJSON(pipeline.schema))
        payload.write(UInt32(pipeline.statistics.count))
        for statistics in pipeline.statistics {
            payload.write(UInt64(statistics.count))
            payload.write(statistics.mean)
            payload.write(statistics.sumOfSquaredDeviations)
        }
        let kind = writeModel(learner, forServing: forServing, to: &payload)

        var blob = BinaryWriter()
        for byte in magic { blob.write(byte) }
        blob.write(formatVersion)
        blob.write(kind.rawValue)
        blob.write(schemaHash(pipeline.schema))
        blob.write(payload.bytes)
        blob.write(checksum(blob.bytes))
        return blob.bytes
    }

    /// Loads a logistic regression and its pipeline.
    /// - Parameters:
    ///   - bytes: a blob from ``encode(pipeline:model:)``.
    ///   - expectedSchema: if given, the schema the caller will feed; a model trained for another is refused.
    /// - Throws: ``ModelFormatError`` saying why the blob cannot be used (`unknownModel` for another family).
    public static func decode(
        _ bytes: [UInt8],
        expectedSchema: FeatureSchema? = nil
    ) throws(ModelFormatError) -> (pipeline: FeaturePipeline, model: LogisticRegression) {
        let (pipeline, learner) = try decodeLearner(bytes, expectedSchema: expectedSchema)
        guard case .logistic(let model) = learner else {
            throw ModelFormatError(.unknownModel, "the blob holds another model family, not a logistic regression")
        }
        return (pipeline, model)
    }

    /// Loads a learner of any family and its pipeline.
    /// - Throws: ``ModelFormatError`` saying why the blob cannot be used.
    public static func decodeLearner(
        _ bytes: [UInt8],
        expectedSchema: FeatureSchema? = nil
    ) throws(ModelFormatError) -> (pipeline: FeaturePipeline, learner: OnlineLearner) {
        guard bytes.count >= magic.count, Array(bytes.prefix(magic.count)) == magic else {
            throw ModelFormatError(.notAModel, "the blob does not start with \"FWMB\"; it is not a Flywheel model")
        }
        guard bytes.count >= magic.count + 2 + 2 + 8 + 4 + 8 else {
            throw ModelFormatError(.truncated, "the blob is \(bytes.count) bytes, shorter than any model")
        }
        let body = Array(bytes.dropLast(8))
        var tail = BinaryReader(bytes, position: bytes.count - 8)
        guard try tail.read(UInt64.self, "checksum") == checksum(body) else {
            throw ModelFormatError(.corrupt, "the checksum does not match; the blob was changed or cut after saving")
        }
        var reader = BinaryReader(body, position: magic.count)
        let version = try reader.read(UInt16.self, "format version")
        guard (oldestReadableVersion...formatVersion).contains(version) else {
            throw ModelFormatError(
                .unsupportedVersion, "format version \(version); this build reads versions \(oldestReadableVersion) to \(formatVersion)")
        }
        let kindCode = try reader.read(UInt16.self, "model kind")
        guard let kind = Kind(rawValue: kindCode), kind != .nearestNeighbors || version >= 4 else {
            throw ModelFormatError(.unknownModel, "model kind \(kindCode) is not one this build knows in format version \(version)")
        }
        let savedSchemaHash = try reader.read(UInt64.self, "schema hash")
        if let expectedSchema, schemaHash(expectedSchema) != savedSchemaHash {
            throw ModelFormatError(.schemaMismatch, "the model was trained for another feature schema than the one given")
        }
        var payload = BinaryReader(try reader.readBytes("payload"))
        guard reader.remaining == 0 else {
            throw ModelFormatError(.invalidValue, "\(reader.remaining) unexpected bytes after the payload")
        }
        return try decodeModel(&payload, kind: kind, schemaHash: savedSchemaHash, version: version)
    }

    private static func decodeModel(
        _ reader: inout BinaryReader,
        kind: Kind,
        schemaHash savedHash: UInt64,
        version: UInt16
    ) throws(ModelFormatError) -> (pipeline: FeaturePipeline, learner: OnlineLearner) {
        let (schema, hash) = try decodedSchema(try reader.readBytes("schema"))
        guard hash == savedHash else {
            throw ModelFormatError(.invalidValue, "the saved schema does not match its hash")
        }
        let statisticsCount = Int(try reader.read(UInt32.self, "statistics count"))
        guard statisticsCount == schema.numericFeatures.count else {
            throw ModelFormatError(.invalidValue, "\(statisticsCount) feature statistics for \(schema.numericFeatures.count) numeric features")
        }
        var statistics: [RunningStatistics] = []
        for index in 0..<statisticsCount {
            let count = try reader.read(UInt64.self, "statistics \(index) count")
            let mean = try reader.readDouble("statistics \(index) mean")
            let deviations = try reader.readDouble("statistics \(index) deviations")
            guard count <= UInt64(Int.max), mean.isFinite, deviations.isFinite, deviations >= 0 else {
                throw ModelFormatError(.invalidValue, "feature statistics \(index) are not valid")
            }
            statistics.append(RunningStatistics(count: Int(count), mean: mean, sumOfSquaredDeviations: deviations))
        }
        let pipeline: FeaturePipeline
        do {
            pipeline = try FeaturePipeline(schema: schema, statistics: statistics)
        } catch {
            throw ModelFormatError(.invalidValue, "the saved feature schema is not usable: \(error.reason)")
        }
        let learner = try readModel(kind, from: &reader, dimension: pipeline.dimension, version: version)
        guard reader.remaining == 0 else {
            throw ModelFormatError(.invalidValue, "\(reader.remaining) unexpected bytes after the model")
        }
        return (pipeline, learner)
    }

    /// The schema as JSON with sorted keys, so the same schema always gives the same bytes and hash. Every blob
    /// writes it twice (in the payload and hashed in the header) and a trainer writes a blob per version published,
    /// so the bytes are kept for the last few schemas: Foundation's encoder had been ~4% of a trainer's CPU.
    static func canonicalJSON(_ schema: FeatureSchema) -> [UInt8] {
        canonicalSchemas.value(for: schema) {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            // Encoding a struct of strings, integers and arrays cannot fail.
            return Array(try! encoder.encode(schema))
        }
    }

    /// ``canonicalJSON(_:)`` of the schemas met so far.
    private static let canonicalSchemas = BoundedMemo<FeatureSchema, [UInt8]>()

    /// The schema a blob's saved JSON holds, and its ``schemaHash(_:)``. Inference decodes every version published,
    /// and every version of a loop carries the same schema, so both are kept by the JSON's bytes: Foundation's
    /// decoder had been two thirds of a version's decode (~6% of the inference process's CPU with versions every 50
    /// examples).
    static func decodedSchema(_ json: [UInt8]) throws(ModelFormatError) -> (schema: FeatureSchema, hash: UInt64) {
        try decodedSchemas.value(for: json) { () throws(ModelFormatError) in
            let schema: FeatureSchema
            do {
                schema = try JSONDecoder().decode(FeatureSchema.self, from: Data(json))
            } catch {
                throw ModelFormatError(.invalidValue, "the saved feature schema does not decode")
            }
            return (schema, schemaHash(schema))
        }
    }

    /// ``decodedSchema(_:)``'s schemas and hashes by the JSON they were decoded from.
    private static let decodedSchemas = BoundedMemo<[UInt8], (schema: FeatureSchema, hash: UInt64)>()

    /// The blob checksum: FNV-1a 64 over bytes.
    static func checksum(_ bytes: [UInt8]) -> UInt64 {
        FeatureHashing.fnv1a(bytes: bytes)
    }
}
