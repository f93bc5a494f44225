import FlywheelEvents
import Foundation
import KafkaTransport
import Logging
import ServiceLifecycle
import Synchronization

// MARK: - IncrementalTrainer

/// Trains the models (the champion's line and the shadows) on the joined-examples topic and publishes their new versions on the models topic (keyed by
/// model id), storing offsets only after the versions are delivered. Malformed examples go to the dead-letter
/// topic with the reason.
public final class IncrementalTrainer: Service, Sendable {
    /// Topics.
    public struct Configuration: Sendable {
        /// Where model versions go. Default: `flywheel.models`.
        public var modelsTopic = "flywheel.models"
        /// Where malformed examples go. Default: `flywheel.dead-letter`.
        public var deadLetterTopic = "flywheel.dead-letter"
        /// Drift reports (subscribe the consumer to it too, to restart a shadow on a champion alarm). Default:
        /// `flywheel.drift`.
        public var driftTopic = "flywheel.drift"

        /// The defaults above.
        public init() {}
    }

    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let configuration: Configuration
    private let logger: Logger
    private let trainer: Mutex<ModelTrainer>
    private let learned = Atomic<Int>(0)
    private let published = Atomic<Int>(0)
    private let restarts = Atomic<Int>(0)

    /// Makes a trainer service around a ``ModelTrainer``.
    public init(
        consumer: KafkaConsumer, producer: KafkaProducer, trainer: ModelTrainer, configuration: Configuration = .init(),
        logger: Logger
    ) {
        self.consumer = consumer
        self.producer = producer
        self.trainer = Mutex(trainer)
        self.configuration = configuration
        self.logger = logger
    }

    /// The models as trained so far.
    public var models: [ServedModel] { trainer.withLock { $0.models } }

    /// Shadows restarted after drift alarms on the champion.
    public var restartsAfterDrift: Int { restarts.load(ordering: .relaxed) }

    /// Joined examples learned so far, and model versions published.
    public var statistics: (examplesLearned: Int, versionsPublished: Int) {
        (learned.load(ordering: .relaxed), published.load(ordering: .relaxed))
    }

    /// Trains until the consumer's messages end.
    public func run() async throws {
        for await batch in consumer.messages.cancelOnGracefulShutdown() {
            let now = Date().timeIntervalSince1970
            var outgoing: [KafkaOutgoingMessage] = []
            for message in batch {
                do throws(EventDecodingError) {
                    if message.topic == configuration.driftTopic {
                        let report = try EventDecoding.decode(DriftReport.self, from: message.value)
                        if let event = trainer.withLock({ $0.handle(report, ts: now) }) {
                            logger.notice("Restarted \(event.model) after a drift alarm on the champion \(report.model)")
                            outgoing.append(KafkaOutgoingMessage(
                                topic: configuration.modelsTopic, key: Array(event.model.id.utf8), value: EventDecoding.encode(event)))
                            restarts.add(1, ordering: .relaxed)
                        }
                        continue
                    }
                    let example = try EventDecoding.decode(JoinedExample.self, from: message.value)
                    let events = trainer.withLock { $0.learn(example, ts: now) }
                    for event in events {
                        logger.debug("New model version", metadata: ["flywheel.model.version": "\(event.model)"])
                        outgoing.append(KafkaOutgoingMessage(
                            topic: configuration.modelsTopic, key: Array(event.model.id.utf8), value: EventDecoding.encode(event)))
                    }
                } catch {
                    outgoing.append(BatchOutput.deadLetter(
                        for: message, reason: error.reason, topic: configuration.deadLetterTopic, ts: now))
                }
            }
            let versions = outgoing.count { $0.topic == configuration.modelsTopic }
            try await BatchOutput.deliverAll(outgoing, through: producer, attempts: 5, logger: logger)
            consumer.storeOffsets(for: batch)
            learned.add(batch.count { $0.topic != configuration.driftTopic }, ordering: .relaxed)
            published.add(versions, ordering: .relaxed)
        }
    }
}
