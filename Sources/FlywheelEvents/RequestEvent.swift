import FeatureValues
import Foundation

// MARK: - RequestEvent

/// A request to score (`streams/schemas/request.schema.json`; topic `flywheel.requests`, key `id`).
public struct RequestEvent: Codable, Sendable, Hashable {
    /// The request id; predictions, labels and examples are keyed by it.
    public var id: String
    /// When the request happened, in seconds since 1970.
    public var ts: Double
    /// The raw features.
    public var features: FeatureMap

    /// Makes a request.
    public init(id: String, ts: Double, features: FeatureMap) {
        self.id = id
        self.ts = ts
        self.features = features
    }
}

// MARK: - LabelEvent

/// The ground truth of a request, arriving later (`label.schema.json`; topic `flywheel.labels`, key `id`).
public struct LabelEvent: Codable, Sendable, Hashable {
    /// The request id.
    public var id: String
    /// When the label became known, in seconds since 1970.
    public var ts: Double
    /// A class id, or the true value for regression.
    public var label: Double

    /// Makes a label.
    public init(id: String, ts: Double, label: Double) {
        self.id = id
        self.ts = ts
        self.label = label
    }
}

// MARK: - PredictionEvent

/// What the inference engine publishes for a request (`prediction.schema.json`; topic `flywheel.predictions`,
/// key `requestId`): the champion's answer, served, and each shadow's, recorded only.
public struct PredictionEvent: Codable, Sendable, Hashable {
    /// The request id.
    public var requestId: String
    /// The request's timestamp.
    public var ts: Double
    /// The features as scored, so the joiner can hand the trainer exactly what the models saw.
    public var features: FeatureMap
    /// The served answer.
    public var champion: ModelOutput
    /// The shadows' answers.
    public var shadows: [ModelOutput]

    /// Makes a prediction event.
    public init(requestId: String, ts: Double, features: FeatureMap, champion: ModelOutput, shadows: [ModelOutput]) {
        self.requestId = requestId
        self.ts = ts
        self.features = features
        self.champion = champion
        self.shadows = shadows
    }
}
