import FlywheelEvents

// MARK: - InferenceRole

/// The inference role's core: scores the champion and every shadow of one consistent ``ModelSet`` snapshot on each
/// request of a batch and publishes one ``FlywheelEvents/PredictionEvent`` per request — the champion's answer
/// served, the shadows' recorded — naming the model and version behind each answer.
public struct InferenceRole: StreamRole {
    /// The models to serve (swapped whole by ``ModelUpdates``).
    public let models: LiveModels
    /// Requests served.
    public private(set) var served = 0
    /// Every change of the serving model's id, with the first request it answered.
    public private(set) var championChanges: [ChampionChange] = []

    /// Serves `models`.
    public init(models: LiveModels) { self.models = models }

    /// A request event; the requests topic is the only input.
    public static func decode(topic: String, value: [UInt8], topics: LoopTopics) throws(EventDecodingError) -> RequestEvent {
        try EventDecoding.decode(RequestEvent.self, from: value)
    }

    /// Scores each request with the set as it is now and answers it.
    public mutating func handle(
        _ batch: [Consumed<RequestEvent>], at time: BatchTime<ContinuousClock.Instant>
    ) -> [Publication] {
        guard let first = batch.first?.input else { return [] }
        let set = models.snapshot
        if championChanges.last?.champion.id != set.champion.reference.id {
            championChanges.append(ChampionChange(champion: set.champion.reference, firstRequestID: first.id))
        }
        served += batch.count
        return batch.map { consumed in
            let request = consumed.input
            return .prediction(PredictionEvent(
                requestId: request.id, ts: request.ts, features: request.features,
                champion: set.champion.output(for: request.features),
                shadows: set.shadows.map { $0.output(for: request.features) }))
        }
    }
}

// MARK: - ChampionChange

/// The serving model changed: which model serves now, and the first request it answered.
public struct ChampionChange: Sendable, Hashable {
    /// The model (and version) that answered `firstRequestID`.
    public var champion: ModelReference
    /// The first request it answered.
    public var firstRequestID: String
}
