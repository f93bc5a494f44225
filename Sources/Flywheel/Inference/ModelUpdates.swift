import FlywheelEvents
import KafkaTransport
import Logging
import ServiceLifecycle

// MARK: - ModelUpdates

/// Keeps a ``LiveModels`` current from the models topic: new shadow versions, promotions and rollbacks take effect
/// in the serving process without a restart. An event that cannot be applied is logged with its reason and the
/// models stay as they were.
///
/// - Important: give it a consumer of its own, assigned to the models topic from the beginning, so a restarted
///   process replays the versions and decisions made so far.
public final class ModelUpdates: Service, Sendable {
    private let consumer: KafkaConsumer
    private let models: LiveModels
    private let logger: Logger

    /// Applies the events `consumer` reads to `models`.
    public init(consumer: KafkaConsumer, models: LiveModels, logger: Logger) {
        self.consumer = consumer
        self.models = models
        self.logger = logger
    }

    /// Applies events until the consumer's messages end.
    public func run() async throws {
        for await batch in consumer.messages.cancelOnGracefulShutdown() {
            for message in batch {
                do {
                    let event = try EventDecoding.decode(ModelEvent.self, from: message.value)
                    models.replace(with: try models.snapshot.applying(event))
                    logger.info("Applied model event", metadata: [
                        "flywheel.model.event": "\(event.kind.rawValue)", "flywheel.model.version": "\(event.model)",
                    ])
                } catch {
                    logger.error("Model event not applied", metadata: [
                        "kafka.topic": "\(message.topic)", "kafka.offset": "\(message.offset)", "flywheel.error": "\(error)",
                    ])
                }
            }
            consumer.storeOffsets(for: batch)
        }
    }
}
