import FlywheelEvents
import Foundation
import KafkaTransport
import Logging
import ServiceLifecycle
import Synchronization

// MARK: - FeedbackJoiner

/// Joins predictions with their labels and publishes joined examples: reads both topics through one
/// ``KafkaTransport/KafkaConsumer``, keeps a ``JoinState`` and a ``ModelScoreboard``, publishes each
/// ``FlywheelEvents/JoinedExample`` keyed by request id, and stores offsets only after the examples are delivered.
/// Malformed predictions or labels go to the dead-letter topic with the reason.
///
/// - Important: the join state lives in memory; after a restart, predictions whose labels were still pending are
///   counted as unlabeled. Persisting it with the offsets is the registry's job (SQLite, a later issue).
public final class FeedbackJoiner<C: Clock<Duration>>: Service, Sendable where C.Instant: Sendable {
    /// Topics and the window.
    public struct Configuration: Sendable {
        /// Predictions to join. Default: `flywheel.predictions`.
        public var predictionsTopic = "flywheel.predictions"
        /// Labels to join. Default: `flywheel.labels`.
        public var labelsTopic = "flywheel.labels"
        /// Where joined examples go. Default: `flywheel.examples`.
        public var examplesTopic = "flywheel.examples"
        /// Where malformed events go. Default: `flywheel.dead-letter`.
        public var deadLetterTopic = "flywheel.dead-letter"
        /// How long a prediction waits for its label, and a label for its prediction. Default: 10 minutes.
        public var window: Duration = .seconds(600)

        /// The defaults above.
        public init() {}
    }

    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let configuration: Configuration
    private let clock: C
    private let logger: Logger
    private let state: Mutex<(join: JoinState<C.Instant>, scoreboard: ModelScoreboard)>

    /// Makes a joiner; `clock` decides when waiting entries expire.
    public init(consumer: KafkaConsumer, producer: KafkaProducer, configuration: Configuration = .init(), clock: C, logger: Logger) {
        self.consumer = consumer
        self.producer = producer
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.state = Mutex((JoinState(window: configuration.window), ModelScoreboard()))
    }

    /// The join's counters.
    public var counters: JoinState<C.Instant>.Counters { state.withLock { $0.join.counters } }

    /// How many predictions and labels wait for their other half.
    public var pending: (predictions: Int, labels: Int) { state.withLock { $0.join.pending } }

    /// Every model version's prequential metrics so far.
    public var scoreboard: ModelScoreboard { state.withLock { $0.scoreboard } }

    /// Joins until the consumer's messages end.
    public func run() async throws {
        for await batch in consumer.messages {
            try await handle(batch)
        }
    }

    private func handle(_ batch: [KafkaConsumerMessage]) async throws {
        let now = clock.now
        var outgoing: [KafkaOutgoingMessage] = []
        for message in batch {
            do throws(EventDecodingError) {
                let example: JoinedExample?
                if message.topic == configuration.labelsTopic {
                    let label = try EventDecoding.decode(LabelEvent.self, from: message.value)
                    example = state.withLock { $0.join.receive(label, at: now) }
                } else {
                    let prediction = try EventDecoding.decode(PredictionEvent.self, from: message.value)
                    example = state.withLock { $0.join.receive(prediction, at: now) }
                }
                if let example {
                    state.withLock { $0.scoreboard.record(example) }
                    outgoing.append(KafkaOutgoingMessage(
                        topic: configuration.examplesTopic, key: Array(example.requestId.utf8),
                        value: EventDecoding.encode(example)))
                }
            } catch {
                let letter = DeadLetterEvent(
                    reason: error.reason, source: .init(topic: message.topic, partition: message.partition, offset: message.offset),
                    key: message.key, value: message.value, ts: Date().timeIntervalSince1970)
                outgoing.append(KafkaOutgoingMessage(
                    topic: configuration.deadLetterTopic, key: message.key, value: EventDecoding.encode(letter)))
            }
        }
        state.withLock { $0.join.expire(at: now) }
        let reports = try await producer.deliver(outgoing)
        guard reports.allSatisfy({ $0.isDelivered }) else {
            throw KafkaError(code: .message, reason: "joined examples were not all delivered; offsets were not stored", isRetriable: true)
        }
        consumer.storeOffsets(for: batch)
    }
}
