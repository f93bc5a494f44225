import FlywheelEvents
import Foundation
import KafkaTransport
import Logging
import OnlineLearning
import ServiceLifecycle
import Synchronization

// MARK: - InferenceEngine

/// Serves predictions: reads request batches from a ``KafkaTransport/KafkaConsumer``, scores the champion and every
/// shadow on each request, publishes one ``PredictionEvent`` per request keyed by its id, sends malformed requests
/// to the dead-letter topic with the reason, and only then marks the batch processed (offsets stored) — so a
/// request is never committed before its prediction or dead letter is delivered (at least once).
///
/// - Important: the consumer and producer are services of their own; run them in the same `ServiceGroup`, before
///   this one. The engine ends when the consumer's messages end (on shutdown).
public final class InferenceEngine: Service, Sendable {
    /// Topic names and retry settings.
    public struct Configuration: Sendable {
        /// Where predictions go. Default: `flywheel.predictions`.
        public var predictionsTopic = "flywheel.predictions"
        /// Where malformed requests go. Default: `flywheel.dead-letter`.
        public var deadLetterTopic = "flywheel.dead-letter"
        /// How often a batch whose output was not all delivered is sent again before the engine gives up.
        /// Default: 5.
        public var deliveryAttempts = 5

        /// The defaults above.
        public init() {}
    }

    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let models: LiveModels
    private let configuration: Configuration
    private let logger: Logger
    private let counters = EngineCounters()

    /// Makes an engine.
    public init(
        consumer: KafkaConsumer, producer: KafkaProducer, models: LiveModels, configuration: Configuration = .init(),
        logger: Logger
    ) {
        self.consumer = consumer
        self.producer = producer
        self.models = models
        self.configuration = configuration
        self.logger = logger
    }

    /// Requests served and requests dead-lettered so far.
    public var statistics: (served: Int, deadLettered: Int) { counters.values }

    /// Every change of the serving model's id, with the first request it answered.
    public var championChanges: [ChampionChange] { counters.changes }

    /// Serves until the consumer's messages end.
    /// - Throws: ``KafkaTransport/KafkaError`` when output cannot be delivered after the configured attempts.
    public func run() async throws {
        for await batch in consumer.messages.cancelOnGracefulShutdown() {
            try await serve(batch)
        }
    }

    /// Scores one batch, delivers everything it produces, then stores the batch's offsets.
    func serve(_ batch: [KafkaConsumerMessage]) async throws {
        let set = models.snapshot
        let now = Date().timeIntervalSince1970
        var outgoing: [KafkaOutgoingMessage] = []
        outgoing.reserveCapacity(batch.count)
        var deadLettered = 0
        var firstServed: String?
        for message in batch {
            do throws(EventDecodingError) {
                let request = try EventDecoding.decode(RequestEvent.self, from: message.value)
                if firstServed == nil { firstServed = request.id }
                let prediction = PredictionEvent(
                    requestId: request.id, ts: request.ts, features: request.features, champion: set.champion.output(for: request.features),
                    shadows: set.shadows.map { $0.output(for: request.features) })
                outgoing.append(KafkaOutgoingMessage(
                    topic: configuration.predictionsTopic, key: Array(request.id.utf8), value: EventDecoding.encode(prediction)))
            } catch {
                deadLettered += 1
                outgoing.append(BatchOutput.deadLetter(
                    for: message, reason: error.reason, topic: configuration.deadLetterTopic, ts: now))
            }
        }
        try await BatchOutput.deliverAll(
            outgoing, through: producer, attempts: configuration.deliveryAttempts, logger: logger)
        consumer.storeOffsets(for: batch)
        counters.add(served: batch.count - deadLettered, deadLettered: deadLettered)
        if let firstServed { counters.note(champion: set.champion.reference, firstRequest: firstServed) }
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

/// Counters shared between the engine's task and readers.
final class EngineCounters: Sendable {
    private let state = Mutex<(served: Int, deadLettered: Int)>((0, 0))
    private let history = Mutex<[ChampionChange]>([])
    var values: (served: Int, deadLettered: Int) { state.withLock { $0 } }
    var changes: [ChampionChange] { history.withLock { $0 } }
    func add(served: Int, deadLettered: Int) {
        state.withLock { $0.served += served; $0.deadLettered += deadLettered }
    }
    func note(champion: ModelReference, firstRequest: String) {
        history.withLock { history in
            if history.last?.champion.id != champion.id {
                history.append(ChampionChange(champion: champion, firstRequestID: firstRequest))
            }
        }
    }
}
