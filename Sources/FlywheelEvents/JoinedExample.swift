import FeatureValues

// MARK: - JoinedExample

/// A prediction joined with its label (`example.schema.json`; topic `flywheel.examples`, key `requestId`): the
/// features as they were at prediction time, the label, the served answer and every shadow's.
///
/// On the wire the answers are one `predictions` array, the champion's first (the schema's contract); in Swift they
/// are ``champion`` and ``shadows``, so no reader depends on a position.
public struct JoinedExample: Sendable, Hashable {
    /// The request id.
    public var requestId: String
    /// The request's timestamp.
    public var requestTs: Double
    /// The label's timestamp.
    public var labelTs: Double
    /// The features as scored.
    public var features: FeatureMap
    /// The label: a class id, or the true value for regression.
    public var label: Double
    /// The served answer (the champion when the request was scored).
    public var champion: ModelOutput
    /// The shadows' answers, recorded only.
    public var shadows: [ModelOutput]

    /// Makes a joined example.
    public init(
        requestId: String, requestTs: Double, labelTs: Double, features: FeatureMap, label: Double,
        champion: ModelOutput, shadows: [ModelOutput]
    ) {
        self.requestId = requestId
        self.requestTs = requestTs
        self.labelTs = labelTs
        self.features = features
        self.label = label
        self.champion = champion
        self.shadows = shadows
    }

    /// Joins a prediction with its label.
    public init(_ prediction: PredictionEvent, label: LabelEvent) {
        self.init(
            requestId: prediction.requestId, requestTs: prediction.ts, labelTs: label.ts, features: prediction.features,
            label: label.label, champion: prediction.champion, shadows: prediction.shadows)
    }

    /// Every model's answer, the champion's first.
    public var outputs: [ModelOutput] { [champion] + shadows }
}

// MARK: - JoinedExample + Codable

extension JoinedExample: Codable {
    private enum CodingKeys: String, CodingKey {
        case requestId, requestTs, labelTs, features, label, predictions
    }

    /// Decodes the schema's form: `predictions` holds the champion's answer first, then the shadows'.
    /// - Throws: `DecodingError.dataCorrupted` at `predictions` when it is empty (there is no served answer).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        requestId = try container.decode(String.self, forKey: .requestId)
        requestTs = try container.decode(Double.self, forKey: .requestTs)
        labelTs = try container.decode(Double.self, forKey: .labelTs)
        features = try container.decode(FeatureMap.self, forKey: .features)
        label = try container.decode(Double.self, forKey: .label)
        let outputs = try container.decode([ModelOutput].self, forKey: .predictions)
        guard let first = outputs.first else {
            throw DecodingError.dataCorruptedError(
                forKey: .predictions, in: container, debugDescription: "an example needs the served answer")
        }
        champion = first
        shadows = Array(outputs.dropFirst())
    }

    /// Encodes the schema's form (see ``init(from:)``).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(requestId, forKey: .requestId)
        try container.encode(requestTs, forKey: .requestTs)
        try container.encode(labelTs, forKey: .labelTs)
        try container.encode(features, forKey: .features)
        try container.encode(label, forKey: .label)
        try container.encode(outputs, forKey: .predictions)
    }
}
