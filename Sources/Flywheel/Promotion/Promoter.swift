import Foundation
import KafkaTransport
import Logging

// MARK: - Promoter

/// Turns the ``PromotionRule``'s decisions into promotion and rollback events on the models topic, where the
/// inference engines switch champion and the registry records them: a ``PromoterRole`` run by a ``RoleRunner`` over
/// the joined-examples topic (and the models topic, for challengers' restarts), in a consumer group of its own.
/// Malformed examples go to the dead-letter topic.
public typealias Promoter = RoleRunner<PromoterRole, ContinuousClock>

extension RoleRunner where Role == PromoterRole, C == ContinuousClock {
    /// Makes a promoter applying `rule`; decisions are signed by `actor`.
    /// - Parameter actor: who decides, as the audit log shows it. Default: `promoter@<host>`.
    public convenience init(
        consumer: KafkaConsumer, producer: KafkaProducer, rule: any PromotionPolicy,
        actor: String = "promoter@\(ProcessInfo.processInfo.hostName)", recentCapacity: Int = LoopDefaults.recentRequests,
        configuration: Configuration = .init(), logger: Logger
    ) {
        self.init(
            core: PromoterRole(rule: rule, actor: actor, recentCapacity: recentCapacity), consumer: consumer, producer: producer,
            configuration: configuration, clock: ContinuousClock(), logger: logger)
    }

    /// Every decision so far, in order.
    public var decisions: [PromoterRole.Record] { withCore { $0.decisions } }

    /// Joined examples read so far.
    public var examplesSeen: Int { withCore { $0.examplesSeen } }

    /// Examples skipped because their request id was seen already.
    public var duplicatesSkipped: Int { withCore { $0.duplicatesSkipped } }

    /// Whether automatic decisions are frozen (by an operator).
    public var isFrozen: Bool { withCore { $0.isFrozen } }

    /// Freezes (true) or resumes (false) automatic decisions from the next batch on.
    public func setFrozen(_ frozen: Bool) { updateCore { $0.setFrozen(frozen) } }
}
