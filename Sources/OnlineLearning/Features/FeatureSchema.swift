import FeatureValues

// MARK: - FeatureSchema

/// Which features a model reads and how they become a vector: numeric features are standardized, categorical ones
/// one-hot encoded by hashing, optionally with pairwise crosses.
///
/// Decodes the `features` list of the data sets' `.meta.json` files (`{"name": …, "type": "numeric"}`) as well as
/// Flywheel's own schema files in `streams/`, which add `hashWidth` and `crosses`.
public struct FeatureSchema: Sendable, Hashable, Codable {
    /// How a feature is encoded.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Standardized with running mean and variance, plus a missing-value indicator.
        case numeric
        /// One-hot by hashing `name=value` into ``FeatureSchema/hashWidth`` buckets.
        case categorical
    }

    /// One feature.
    public struct Feature: Sendable, Hashable, Codable {
        /// The feature's name in the request's `features` object.
        public var name: String
        /// How it is encoded.
        public var kind: Kind

        /// Describes a feature.
        public init(name: String, kind: Kind) {
            self.name = name
            self.kind = kind
        }

        private enum CodingKeys: String, CodingKey {
            case name
            case kind = "type"
        }
    }

    /// The features, in the order their numeric slots appear in the vector.
    public var features: [Feature]
    /// How many hashed buckets categorical values and crosses share. A schema file without the key gets
    /// ``defaultHashWidth(for:)``.
    public var hashWidth: Int
    /// Pairs of categorical features whose value combinations get hashed buckets of their own. Default: none.
    public var crosses: [[String]]

    /// Makes a schema.
    /// - Parameters:
    ///   - features: the features in vector order.
    ///   - hashWidth: buckets for categorical values and crosses.
    ///   - crosses: pairs of categorical feature names to cross.
    public init(features: [Feature], hashWidth: Int = 64, crosses: [[String]] = []) {
        self.features = features
        self.hashWidth = hashWidth
        self.crosses = crosses
    }

    private enum CodingKeys: String, CodingKey {
        case features, hashWidth, crosses
    }

    /// The buckets a schema gets when it does not say: 64 when some feature is categorical, otherwise 1 — the least
    /// ``validate()`` allows, since nothing is hashed into them (64 always-zero inputs had made every model on a
    /// numeric `.meta.json` stream score and learn several times the vector it needed).
    public static func defaultHashWidth(for features: [Feature]) -> Int {
        features.contains { $0.kind == .categorical } ? 64 : 1
    }

    /// Decodes a schema; `hashWidth` and `crosses` may be absent (``defaultHashWidth(for:)``, no crosses).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        features = try container.decode([Feature].self, forKey: .features)
        hashWidth = try container.decodeIfPresent(Int.self, forKey: .hashWidth) ?? Self.defaultHashWidth(for: features)
        crosses = try container.decodeIfPresent([[String]].self, forKey: .crosses) ?? []
    }

    /// A request's value of each feature, in schema order (`.missing` when absent; names the schema does not know are
    /// left out): looked up once, then read by every pipeline on this schema
    /// (``FeaturePipeline/learn(ordered:)``, ``FeaturePipeline/vector(ordered:)``).
    public func ordered(_ request: FeatureMap) -> [FeatureValue] {
        features.map { request[$0.name] ?? .missing }
    }

    /// The numeric features, in order.
    public var numericFeatures: [String] { features.filter { $0.kind == .numeric }.map(\.name) }

    /// The categorical features, in order.
    public var categoricalFeatures: [String] { features.filter { $0.kind == .categorical }.map(\.name) }

    /// Checks the schema can be used.
    /// - Throws: ``FeatureSchemaError`` naming the problem.
    public func validate() throws(FeatureSchemaError) {
        if features.isEmpty { throw FeatureSchemaError("the schema has no features") }
        var seen: Set<String> = []
        for feature in features where !seen.insert(feature.name).inserted {
            throw FeatureSchemaError("feature '\(feature.name)' appears twice")
        }
        if hashWidth < 1 || hashWidth > 1 << 24 {
            throw FeatureSchemaError("hashWidth must be between 1 and 16777216, not \(hashWidth)")
        }
        let categorical = Set(categoricalFeatures)
        for cross in crosses {
            guard cross.count == 2 else {
                throw FeatureSchemaError("a cross names exactly two features, not \(cross.count): \(cross)")
            }
            for name in cross where !categorical.contains(name) {
                throw FeatureSchemaError("cross \(cross) names '\(name)', which is not a categorical feature")
            }
        }
    }
}

// MARK: - FeatureSchemaError

/// A feature schema that cannot be used, with the reason as a sentence.
public struct FeatureSchemaError: Error, Sendable, CustomStringConvertible, Hashable {
    /// What is wrong.
    public let reason: String

    /// Makes an error.
    public init(_ reason: String) { self.reason = reason }

    /// `FeatureSchemaError: <reason>`.
    public var description: String { "FeatureSchemaError: \(reason)" }
}
