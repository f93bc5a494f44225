import FlywheelEvents
import Foundation
import KafkaTransport
import Logging
import ServiceLifecycle
import Synchronization

// MARK: - Promoter

/// Turns the ``PromotionRule``'s decisions into promotion and rollback events on the models topic (keyed by the
/// winner's id, evidence included), where the inference engines switch champion and the registry records them.
/// Reads the joined-examples topic in a consumer group of its own and stores offsets only after each decision is
/// delivered. Malformed examples go to the dead-letter topic with the reason.
public final class Promoter: Service, Sendable {
    /// Topics and the name decisions are signed with.
    public struct Configuration: Sendable {
        /// Where decisions go. Default: `flywheel.models`.
        public var modelsTopic = "flywheel.models"
        /// Where malformed examples go. Default: `flywheel.dead-letter`.
        public var deadLetterTopic = "flywheel.dead-letter"
        /// Who decides, as the audit log shows it. Default: `promoter@<host>`.
        public var actor = "promoter@\(ProcessInfo.processInfo.hostName)"

        /// The defaults above.
        public init() {}
    }

    /// One decision and the request whose label completed its evidence.
    public struct Record: Sendable, Hashable {
        /// The decision.
        public var decision: PromotionRule.Decision
        /// The request id of the joined example that triggered it.
        public var requestId: String
    }

    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let configuration: Configuration
    private let logger: Logger
    private let state: Mutex<(rule: PromotionRule, records: [Record])>
    private let seen = Atomic<Int>(0)

    /// Makes a promoter applying `rule`.
    public init(
        consumer: KafkaConsumer, producer: KafkaProducer, rule: PromotionRule, configuration: Configuration = .init(),
        logger: Logger
    ) {
        self.consumer = consumer
        self.producer = producer
        self.configuration = configuration
        self.logger = logger
        self.state = Mutex((rule, []))
    }

    /// Every decision so far, in order.
    public var decisions: [Record] { state.withLock { $0.records } }

    /// Joined examples read so far.
    public var examplesSeen: Int { seen.load(ordering: .relaxed) }

    /// Decides until the consumer's messages end.
    public func run() async throws {
        for await batch in consumer.messages.cancelOnGracefulShutdown() {
            let now = Date().timeIntervalSince1970
            var outgoing: [KafkaOutgoingMessage] = []
            var records: [Record] = []
            for message in batch {
                do throws(EventDecodingError) {
                    let example = try EventDecoding.decode(JoinedExample.self, from: message.value)
                    guard let decision = state.withLock({ $0.rule.record(example) }) else { continue }
                    records.append(Record(decision: decision, requestId: example.requestId))
                    var evidence = decision.evidence
                    evidence["decidedBy"] = .text(configuration.actor)
                    evidence["decidedAtRequest"] = .text(example.requestId)
                    let event = ModelEvent(
                        kind: decision.kind, ts: now, model: decision.winner, replaces: decision.loser, evidence: evidence)
                    logger.notice("\(decision.kind.rawValue.capitalized): \(decision.winner) replaces \(decision.loser)", metadata: [
                        "flywheel.samples": "\(decision.samples)",
                        "flywheel.accuracy": "\(decision.winnerScore) vs \(decision.loserScore)",
                    ])
                    outgoing.append(KafkaOutgoingMessage(
                        topic: configuration.modelsTopic, key: Array(decision.winner.id.utf8), value: EventDecoding.encode(event)))
                } catch {
                    outgoing.append(BatchOutput.deadLetter(
                        for: message, reason: error.reason, topic: configuration.deadLetterTopic, ts: now))
                }
            }
            try await BatchOutput.deliverAll(outgoing, through: producer, attempts: 5, logger: logger)
            consumer.storeOffsets(for: batch)
            if !records.isEmpty { state.withLock { $0.records += records } }
            seen.add(batch.count, ordering: .relaxed)
        }
    }
}
