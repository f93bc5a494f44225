import FlywheelEvents
import Foundation
import KafkaTransport
import Logging
import ModelRegistry
import ServiceLifecycle
import Synchronization

// MARK: - RegistryRecorder

/// Writes every event of the models topic into the SQLite ``ModelRegistry/ModelRegistry``: versions with their
/// weights, promotions and rollbacks into the audit log (the actor is the evidence's `decidedBy`), the champion
/// alias; and every drift report of the drift topic into the drift history — each with the topic position it came
/// from, in the same transaction. Redelivered events change nothing, so
/// the registry reflects each event exactly once. Malformed events go to the dead-letter topic with the reason.
///
/// - Important: assign its consumer to the models topic at ``startPositions(registry:partitions:topic:)``.
public final class RegistryRecorder: Service, Sendable {
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let registry: ModelRegistry
    private let deadLetterTopic: String
    private let driftTopic: String
    private let logger: Logger
    private let recorded = Atomic<Int>(0)
    private let reports = Atomic<Int>(0)

    /// Makes a recorder.
    public init(
        consumer: KafkaConsumer, producer: KafkaProducer, registry: ModelRegistry,
        deadLetterTopic: String = "flywheel.dead-letter", driftTopic: String = "flywheel.drift", logger: Logger
    ) {
        self.driftTopic = driftTopic
        self.consumer = consumer
        self.producer = producer
        self.registry = registry
        self.deadLetterTopic = deadLetterTopic
        self.logger = logger
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

    /// Records until the consumer's messages end.
    /// - Throws: ``ModelRegistry/RegistryError`` when the file cannot be written (the service stops rather than skip).
    public func run() async throws {
        for await batch in consumer.messages.cancelOnGracefulShutdown() {
            var letters: [KafkaOutgoingMessage] = []
            for message in batch {
                let position = TopicPosition(topic: message.topic, partition: message.partition, nextOffset: message.offset + 1)
                if message.topic == driftTopic {
                    let report: DriftReport
                    do throws(EventDecodingError) {
                        report = try EventDecoding.decode(DriftReport.self, from: message.value)
                    } catch {
                        letters.append(BatchOutput.deadLetter(
                            for: message, reason: error.reason, topic: deadLetterTopic, ts: Date().timeIntervalSince1970))
                        continue
                    }
                    try registry.record(report, position: position)
                    reports.add(1, ordering: .relaxed)
                    continue
                }
                let event: ModelEvent
                do throws(EventDecodingError) {
                    event = try EventDecoding.decode(ModelEvent.self, from: message.value)
                    if let problem = Self.problem(with: event) { throw EventDecodingError(reason: problem) }
                } catch {
                    letters.append(BatchOutput.deadLetter(
                        for: message, reason: error.reason, topic: deadLetterTopic, ts: Date().timeIntervalSince1970))
                    continue
                }
                let actor: String = if case .text(let name) = event.evidence?["decidedBy"] { name } else { "trainer" }
                try registry.record(event, actor: actor, position: position)
                recorded.add(1, ordering: .relaxed)
            }
            try await BatchOutput.deliverAll(letters, through: producer, attempts: 5, logger: logger)
            consumer.storeOffsets(for: batch)
        }
    }

    /// Model events recorded so far (redeliveries included).
    public var eventsRecorded: Int { recorded.load(ordering: .relaxed) }

    /// Drift reports recorded so far (redeliveries included).
    public var reportsRecorded: Int { reports.load(ordering: .relaxed) }

    /// Why an event that decoded still cannot be recorded, if it cannot.
    static func problem(with event: ModelEvent) -> String? {
        switch event.kind {
        case .version:
            event.weights.flatMap { Data(base64Encoded: $0) } == nil ? "version \(event.model) carries no readable weights" : nil
        case .promotion, .rollback:
            event.replaces == nil ? "\(event.kind.rawValue) of \(event.model) does not say which champion it replaces" : nil
        }
    }
}
