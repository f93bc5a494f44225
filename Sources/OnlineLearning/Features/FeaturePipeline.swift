import FeatureValues

// MARK: - FeaturePipeline

/// Turns a request's raw features into the dense vector a model reads, as the schema says.
///
/// Vector layout, for `n` numeric features and `w` = ``FeatureSchema/hashWidth``:
/// - `0..<n`: each numeric feature standardized with the running mean and standard deviation learned so far
///   (0 when missing, i.e. mean imputation);
/// - `n..<2n`: a missing-value indicator per numeric feature (1 when missing or not a finite number);
/// - `2n..<2n+w`: one-hot by hashing: a 1 is added at the bucket of `name=value` for every categorical feature
///   (missing has a token of its own) and of `a=value&b=value` for every cross.
///
/// Deterministic: the vector depends only on the schema, the learned statistics and the feature values, never on the
/// order of keys in the event. ``transform(_:)`` reads the statistics without changing them, so a model can be
/// scored on a request before its label teaches anything (test-then-train); ``learn(_:)`` updates them.
public struct FeaturePipeline: Sendable, Hashable, Codable {
    /// The schema the vectors follow.
    public let schema: FeatureSchema
    /// Running statistics of each numeric feature, in ``FeatureSchema/numericFeatures`` order.
    public internal(set) var statistics: [RunningStatistics]
    /// Numeric values ``learn(_:)`` left out because they would overflow the statistics (e.g. ±1e300).
    public internal(set) var valuesRefused = 0

    /// A standardized value is clamped to ± this many standard deviations, so one absurd input cannot put an
    /// infinite number in the vector. Real data never comes near it.
    public static let standardizedLimit = 1e6

    /// Makes a pipeline with no statistics yet.
    /// - Throws: ``FeatureSchemaError`` if the schema cannot be used.
    public init(schema: FeatureSchema) throws(FeatureSchemaError) {
        try schema.validate()
        self.schema = schema
        self.statistics = Array(repeating: RunningStatistics(), count: schema.numericFeatures.count)
    }

    /// Restores a pipeline with saved statistics (``ModelBlob``).
    init(schema: FeatureSchema, statistics: [RunningStatistics]) throws(FeatureSchemaError) {
        try self.init(schema: schema)
        precondition(statistics.count == self.statistics.count, "Statistics must match the numeric features.")
        self.statistics = statistics
    }

    /// How many examples the statistics have learned: the most values any numeric feature counted (a feature absent
    /// from some requests counts fewer). nil for a schema without numeric features, whose pipeline keeps no count.
    public var examplesLearned: Int? { statistics.lazy.map(\.count).max() }

    /// The vector length: two slots per numeric feature plus the hashed buckets.
    public var dimension: Int { 2 * statistics.count + schema.hashWidth }

    /// Encodes one request with the statistics learned so far.
    /// - Returns: the vector and anything about the input a caller may want to reject or count.
    public func transform(_ features: FeatureMap) -> EncodedFeatures {
        var vector = [Float](repeating: 0, count: dimension)
        var issues: [FeatureIssue] = []
        var present = 0
        vector.withUnsafeMutableBufferPointer { buffer in
            fill(buffer, issues: &issues) { index in
                let found = features[schema.features[index].name]
                if found != nil { present += 1 }
                return found ?? .missing
            }
        }
        if features.count > present {  // only then can there be names the schema does not know
            let known = Set(schema.features.map(\.name))
            for name in features.keys.sorted() where !known.contains(name) {
                issues.append(.unknownFeature(name))
            }
        }
        return EncodedFeatures(vector: vector, issues: issues)
    }

    /// Writes the vector of one request into `vector` (zeroed, ``dimension`` long); `value(i)` is the request's value
    /// of the schema's `i`-th feature. The one encoding both ``transform(_:)`` and ``encode(_:)`` use.
    @inline(__always)
    func fill(
        _ vector: UnsafeMutableBufferPointer<Float>, issues: inout [FeatureIssue], value: (Int) -> FeatureValue
    ) {
        let numericCount = statistics.count
        var numericIndex = 0
        var categoricalTokens: [String: String] = [:]
        for (index, feature) in schema.features.enumerated() {
            let value = value(index)
            switch feature.kind {
            case .numeric:
                switch Self.number(value, name: feature.name, issues: &issues) {
                case .some(let number):
                    let standardized = statistics[numericIndex].standardized(number)
                    vector[numericIndex] = Float(min(max(standardized, -Self.standardizedLimit), Self.standardizedLimit))
                case .none:
                    vector[numericCount + numericIndex] = 1
                }
                numericIndex += 1
            case .categorical:
                let token = Self.categoryToken(value)
                if !schema.crosses.isEmpty { categoricalTokens[feature.name] = token }
                vector[2 * numericCount + FeatureHashing.bucket("\(feature.name)=\(token)", width: schema.hashWidth)] += 1
            }
        }
        for cross in schema.crosses {
            let left = categoricalTokens[cross[0]] ?? Self.missingToken
            let right = categoricalTokens[cross[1]] ?? Self.missingToken
            let token = "\(cross[0])=\(left)&\(cross[1])=\(right)"
            vector[2 * numericCount + FeatureHashing.bucket(token, width: schema.hashWidth)] += 1
        }
    }

    /// Updates the running statistics with one request's numeric values (missing and non-finite ones are skipped;
    /// values that would overflow them are counted in ``valuesRefused``).
    public mutating func learn(_ features: FeatureMap) {
        var numericIndex = 0
        for feature in schema.features where feature.kind == .numeric {
            if case .number(let number) = features[feature.name] ?? .missing, number.isFinite {
                if !statistics[numericIndex].update(number) { valuesRefused += 1 }
            }
            numericIndex += 1
        }
    }

    /// Updates the running statistics as ``learn(_:)`` does, from one request's values in schema order
    /// (``FeatureSchema/ordered(_:)``): a caller with several pipelines on one schema looks the request's values up once.
    /// - Precondition: `values` has one value per schema feature.
    public mutating func learn(ordered values: [FeatureValue]) {
        precondition(values.count == schema.features.count, "one value per schema feature")
        var numericIndex = 0
        for (index, feature) in schema.features.enumerated() where feature.kind == .numeric {
            if case .number(let number) = values[index], number.isFinite {
                if !statistics[numericIndex].update(number) { valuesRefused += 1 }
            }
            numericIndex += 1
        }
    }

    /// The vector ``transform(_:)`` gives, from one request's values in schema order (``FeatureSchema/ordered(_:)``);
    /// the input's issues are not collected.
    /// - Precondition: `values` has one value per schema feature.
    public func vector(ordered values: [FeatureValue]) -> [Float] {
        precondition(values.count == schema.features.count, "one value per schema feature")
        var vector = [Float](repeating: 0, count: dimension)
        var ignored: [FeatureIssue] = []
        vector.withUnsafeMutableBufferPointer { buffer in
            fill(buffer, issues: &ignored) { values[$0] }
        }
        return vector
    }

    /// Updates the running statistics of the `slot`-th numeric feature with one value, as ``learn(_:)`` does (a
    /// non-finite value is skipped; one that would overflow them is counted in ``valuesRefused``): for readers that
    /// parse rows straight into numbers.
    public mutating func learnNumeric(_ number: Double, slot: Int) {
        if number.isFinite, !statistics[slot].update(number) { valuesRefused += 1 }
    }

    // MARK: Encoding helpers

    /// The token for a missing category; it cannot collide with a value, which never holds a NUL character.
    public static let missingToken = "\u{0}missing"

    /// A finite number, or `nil` (recording why) for missing, non-finite or non-numeric values.
    static func number(_ value: FeatureValue, name: String, issues: inout [FeatureIssue]) -> Double? {
        switch value {
        case .number(let number) where number.isFinite:
            return number
        case .number:
            issues.append(.nonFiniteNumber(name))
            return nil
        case .string:
            issues.append(.typeMismatch(name, expected: .numeric))
            return nil
        case .missing:
            return nil
        }
    }

    /// The category token of a value: strings as they are, integral numbers in decimal (category codes often come
    /// as numbers), other numbers in Swift's shortest round-tripping form, missing as ``missingToken``.
    static func categoryToken(_ value: FeatureValue) -> String {
        switch value {
        case .string(let text):
            return text
        case .number(let number):
            if number.isFinite, number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
            return "\(number)"
        case .missing:
            return missingToken
        }
    }
}

// MARK: - EncodedFeatures

/// A request's feature vector and what was wrong with its input, if anything.
public struct EncodedFeatures: Sendable, Hashable {
    /// The vector, ``FeaturePipeline/dimension`` long.
    public var vector: [Float]
    /// Problems found, in schema order then by name; empty for a clean request.
    public var issues: [FeatureIssue]
}

// MARK: - FeatureIssue

/// Something about a request's features that a caller may reject (dead-letter) or just count. Names only, never
/// values: feature values are user data.
public enum FeatureIssue: Sendable, Hashable, CustomStringConvertible {
    /// A numeric feature was NaN or infinite; it was encoded as missing.
    case nonFiniteNumber(String)
    /// A feature had the wrong type (a string for a numeric feature); it was encoded as missing.
    case typeMismatch(String, expected: FeatureSchema.Kind)
    /// The request carried a feature the schema does not know; it was ignored.
    case unknownFeature(String)

    /// A sentence naming the feature.
    public var description: String {
        switch self {
        case .nonFiniteNumber(let name): "feature '\(name)' is not a finite number"
        case .typeMismatch(let name, let expected): "feature '\(name)' should be \(expected.rawValue)"
        case .unknownFeature(let name): "feature '\(name)' is not in the schema"
        }
    }
}
