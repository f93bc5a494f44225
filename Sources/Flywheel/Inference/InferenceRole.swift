import FlywheelEvents
import OnlineLearning

// MARK: - InferenceRole

/// The inference role's core: scores the champion and every shadow of one consistent ``ModelSet`` snapshot on a
/// whole batch (one matrix product per model) and publishes one ``FlywheelEvents/PredictionEvent`` per request — the champion's answer
/// served, the shadows' recorded — naming the model and version behind each answer.
public struct InferenceRole: StreamRole {
    /// The models to serve (swapped whole by ``ModelUpdates``).
    public let models: LiveModels
    /// Requests served.
    public private(set) var served = 0
    /// Requests served so far (``served``).
    public var progress: Int { served }
    /// Shadow answers left out of predictions because they were not finite numbers.
    public private(set) var nonFiniteShadowAnswers = 0
    /// Every change of the serving model's id, with the first request it answered.
    public private(set) var championChanges: [ChampionChange] = []

    /// Serves `models`.
    public init(models: LiveModels) { self.models = models }

    /// Inference keeps nothing across restarts, so it scores the next batch while this one's predictions are still
    /// on their way to the broker (docs/architecture.md, "Inference").
    public static var overlapsDelivery: Bool { true }

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
        // The whole batch at once: each request's features looked up once, then one matrix product per model.
        let requests = batch.map(\.input.features)
        let rows = SchemaRows(requests, schema: set.champion.pipeline.schema)
        let champions = set.champion.outputs(for: rows, requests: requests)
        let shadowOutputs = set.shadows.map { $0.outputs(for: rows, requests: requests) }
        return batch.indices.map { index in
            let request = batch[index].input
            let champion = champions[index]
            // A request the champion cannot answer with a number goes to the dead-letter topic: publishing it would
            // fail on every retry (JSON has no NaN), and serving a made-up answer would hide the fault.
            guard champion.isFinite else {
                return .refusal(input: index, reason: "the champion \(champion.model) gave a non-finite answer for this request")
            }
            var shadows: [ModelOutput] = []
            shadows.reserveCapacity(shadowOutputs.count)
            for outputs in shadowOutputs {
                if outputs[index].isFinite { shadows.append(outputs[index]) } else { nonFiniteShadowAnswers += 1 }
            }
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
