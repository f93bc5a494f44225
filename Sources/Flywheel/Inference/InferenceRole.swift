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
    /// Shadow answers left out of predictions because they were not finite numbers.
    public private(set) var nonFiniteShadowAnswers = 0
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
        return batch.enumerated().map { index, consumed in
            let request = consumed.input
            let champion = set.champion.output(for: request.features)
            // A request the champion cannot answer with a number goes to the dead-letter topic: publishing it would
            // fail on every retry (JSON has no NaN), and serving a made-up answer would hide the fault.
            guard champion.isFinite else {
                return .refusal(input: index, reason: "the champion \(champion.model) gave a non-finite answer for this request")
            }
            var shadows = set.shadows.map { $0.output(for: request.features) }
            let before = shadows.count
            shadows.removeAll { !$0.isFinite }
            nonFiniteShadowAnswers += before - shadows.count
            served += 1
            return .prediction(PredictionEvent(
                requestId: request.id, ts: request.ts, features: request.features, champion: champion, shadows: shadows))
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
