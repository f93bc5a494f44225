import FlywheelEvents
import KafkaTransport
import Logging
import ModelRegistry

// MARK: - RegistryRecorder

/// Keeps the SQLite registry: a ``RecorderRole`` run by a ``RoleRunner`` over the models and drift topics. Malformed
/// events go to the dead-letter topic with the reason.
///
/// - Important: assign its consumer to the models and drift topics at ``startPositions(registry:partitions:topic:)``.
public typealias RegistryRecorder = RoleRunner<RecorderRole, ContinuousClock>

extension RoleRunner where Role == RecorderRole, C == ContinuousClock {
    /// Makes a recorder.
    public convenience init(
        consumer: KafkaConsumer, producer: KafkaProducer, registry: ModelRegistry, configuration: Configuration = .init(),
        logger: Logger
    ) {
        self.init(
            core: RecorderRole(registry: registry), consumer: consumer, producer: producer, configuration: configuration,
            clock: ContinuousClock(), logger: logger)
    }

    /// Where to start reading each partition of `topic`: just after the last event the registry holds, or the
    /// beginning.
    public static func startPositions(
        registry: ModelRegistry, partitions: Int, topic: String
    ) throws(RegistryError) -> [KafkaTopicPartitionOffset] {
        let stored = Dictionary(uniqueKeysWithValues: try registry.positions(topic: topic).map { ($0.partition, $0.nextOffset) })
        return (0..<Int32(partitions)).map {
            KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: stored[$0] ?? KafkaTopicPartitionOffset.beginning)
        }
    }

    /// Model events recorded so far (redeliveries included).
    public var eventsRecorded: Int { withCore { $0.eventsRecorded } }

    /// Drift reports recorded so far (redeliveries included).
    public var reportsRecorded: Int { withCore { $0.reportsRecorded } }
}
