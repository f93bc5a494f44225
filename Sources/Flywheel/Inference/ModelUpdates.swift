import FlywheelEvents
import KafkaTransport
import Logging
import ServiceLifecycle
import Synchronization

// MARK: - ModelUpdates

/// Keeps a ``LiveModels`` current from the models topic: new shadow versions, promotions and rollbacks take effect
/// in the serving process without a restart. An event that cannot be applied is logged with its reason and the
/// models stay as they were.
///
/// Every model event is published under one key (``Publication``), so the topic holds them in one total order and
/// every serving process applies the same versions and decisions in the same order: the champion is one fact for
/// all replicas.
///
/// - Important: give it a consumer of its own, assigned to the models topic from the beginning, so a restarted
///   process replays the versions and decisions made so far; ``caughtUp()`` ends once it has applied everything the
///   topic held when the process started (``init(consumer:models:catchingUpTo:logger:)``), and the inference role
///   serves only then.
public final class ModelUpdates: Service, Sendable {
    private let consumer: KafkaConsumer
    private let models: LiveModels
    private let logger: Logger
    /// For each partition not yet caught up with, the offset to reach.
    private let remaining: Mutex<[Int32: Int64]>

    /// Applies the events `consumer` reads to `models`.
    /// - Parameter targets: each partition's watermarks when the process started; ``caughtUp()`` waits until every
    ///   record below each high watermark is applied (empty: caught up at once).
    public init(consumer: KafkaConsumer, models: LiveModels, catchingUpTo targets: [Int32: KafkaWatermarks] = [:], logger: Logger) {
        self.consumer = consumer
        self.models = models
        self.logger = logger
        remaining = Mutex(targets.filter { $0.value.high > $0.value.low }.mapValues(\.high))
    }

    /// Model events read so far (applied or refused).
    public var eventsRead: Int { read.withLock { $0 } }
    private let read = Mutex(0)

    /// Whether every model event the topic held at start is applied.
    public var isCaughtUp: Bool { remaining.withLock { $0.isEmpty } }

    /// Returns once every model event the topic held at start is applied.
    /// - Throws: `CancellationError` when the task is cancelled first.
    public func caughtUp() async throws {
        var waited = Duration.zero
        while !isCaughtUp {
            try await Task.sleep(for: .milliseconds(20))
            waited += .milliseconds(20)
            if waited == .seconds(10) {
                logger.notice("Still replaying the models topic before serving", metadata: [
                    "flywheel.partitions.behind": "\(remaining.withLock { $0.count })",
                ])
            }
        }
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
                remaining.withLock { remaining in
                    if let target = remaining[message.partition], message.offset + 1 >= target {
                        remaining[message.partition] = nil
                    }
                }
            }
            read.withLock { $0 += batch.count }
            consumer.storeOffsets(for: batch)
        }
    }
}
