import KafkaTransport
import Logging

// MARK: - InferenceEngine

/// Serves predictions: an ``InferenceRole`` run by a ``RoleRunner`` over the requests topic. Malformed requests go to
/// the dead-letter topic with the reason; a batch's offsets are stored only after its predictions and dead letters
/// are delivered (at least once).
public typealias InferenceEngine = RoleRunner<InferenceRole, ContinuousClock>

extension RoleRunner where Role == InferenceRole, C == ContinuousClock {
    /// Makes an engine serving `models`.
    public convenience init(
        consumer: KafkaConsumer, producer: KafkaProducer, models: LiveModels, configuration: Configuration = .init(),
        readiness: (@Sendable () async throws -> Void)? = nil, logger: Logger
    ) {
        self.init(
            core: InferenceRole(models: models), consumer: consumer, producer: producer, configuration: configuration,
            clock: ContinuousClock(), readiness: readiness, logger: logger)
    }

    /// The models the engine serves.
    public var models: LiveModels { withCore { $0.models } }

    /// Requests served so far (``RoleRunner/statistics`` counts those dead-lettered).
    public var requestsServed: Int { progress }

    /// Every change of the serving model's id, with the first request it answered.
    public var championChanges: [ChampionChange] { withCore { $0.championChanges } }
}
