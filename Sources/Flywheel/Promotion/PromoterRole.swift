import FlywheelEvents

// MARK: - PromoterRole

/// The promoter role's core: feeds each joined example to its ``PromotionPolicy`` (and each challenger's restart read
/// on the models topic, ``PromotionPolicy/challengerRestarted(_:)``) and publishes each decision on the
/// models topic — a promotion or rollback naming the new champion, a retirement naming the retired challenger, all
/// in the topic's one order (``Publication/modelsKey``) — with its evidence, who decided and the request whose label
/// completed it.
///
/// Each request id counts once as evidence: an example published twice (the feedback role may join a request again
/// after a restart) is skipped while its id is among the last ``RecentRequests/capacity`` seen. The rule's evidence
/// is not saved: a restarted promoter gathers it afresh (a decision then takes longer, never comes sooner).
public struct PromoterRole: StreamRole {
    /// One decision and the request whose label completed its evidence.
    public struct Record: Sendable, Hashable {
        /// The decision.
        public var decision: PromotionDecision
        /// The request id of the joined example that triggered it.
        public var requestId: String
    }

    /// The rule deciding.
    public private(set) var rule: any PromotionPolicy
    /// Who decides, as the audit log shows it.
    public let actor: String
    /// Every decision so far, in order.
    public private(set) var decisions: [Record] = []
    /// Joined examples read so far.
    public private(set) var examplesSeen = 0
    /// Examples skipped because their request id was seen already.
    public private(set) var duplicatesSkipped = 0
    /// Whether an operator froze automatic decisions: while frozen, examples are not evidence (the rule is not fed,
    /// so it decides nothing and its evidence resumes where it stopped after an unfreeze).
    public private(set) var isFrozen = false
    /// Examples that were not evidence because decisions were frozen.
    public private(set) var examplesWhileFrozen = 0
    private var recent: RecentRequests

    /// Decides with `rule`, signing as `actor`, skipping request ids among the last `recentCapacity` seen.
    public init(rule: any PromotionPolicy, actor: String, recentCapacity: Int = LoopDefaults.recentRequests) {
        self.rule = rule
        self.actor = actor
        recent = RecentRequests(capacity: recentCapacity)
    }

    /// Freezes (true) or resumes (false) automatic decisions.
    public mutating func setFrozen(_ frozen: Bool) { isFrozen = frozen }

    /// What the promoter reads: joined examples, and the restarts of challengers on the models topic.
    public enum Input: Sendable {
        /// A joined example: evidence.
        case example(JoinedExample)
        /// A challenger started over at this version (``FlywheelEvents/ModelEvent/isRestart``).
        case restart(ModelReference)
        /// Any other model event: nothing to do (its own decisions come back this way too).
        case otherModelEvent
    }

    /// A restart (or nothing) from the models topic, a joined example from any other.
    public static func decode(topic: String, value: [UInt8], topics: LoopTopics) throws(EventDecodingError) -> Input {
        guard topic == topics.models else { return .example(try EventDecoding.decodeExample(from: value)) }
        guard let event = ModelEvent.decodeUnlessPlainVersion(value), event.isRestart else { return .otherModelEvent }
        return .restart(event.model)
    }

    /// Scores each example, tells the rule of each restart (frozen or not), and publishes the decisions due.
    public mutating func handle(
        _ batch: [Consumed<Input>], at time: BatchTime<ContinuousClock.Instant>
    ) -> [Publication] {
        return batch.compactMap { consumed in
            let example: JoinedExample
            switch consumed.input {
            case .example(let joined): example = joined
            case .restart(let model):
                rule.challengerRestarted(model)
                return nil
            case .otherModelEvent: return nil
            }
            examplesSeen += 1
            guard recent.insert(example.requestId) else {
                duplicatesSkipped += 1
                return nil
            }
            guard !isFrozen else {
                examplesWhileFrozen += 1
                return nil
            }
            guard let decision = rule.record(example) else { return nil }
            decisions.append(Record(decision: decision, requestId: example.requestId))
            var evidence = decision.evidence
            evidence[EvidenceKey.decidedBy] = .text(actor)
            evidence[EvidenceKey.decidedAtRequest] = .text(example.requestId)
            let retired = decision.kind == .retirement
            return .model(ModelEvent(
                kind: decision.kind, ts: time.wallClock, model: retired ? decision.loser : decision.winner,
                replaces: retired ? decision.winner : decision.loser, evidence: evidence))
        }
    }
}
