import FlywheelEvents

// MARK: - TrainerRole

/// The trainer role's core: every joined example trains every model (``ModelTrainer``), and new versions are
/// published on the models topic; a drift report that shows the champion getting worse restarts the shadow named for
/// it, published at once.
public struct TrainerRole: StreamRole {
    /// The models and their training.
    public private(set) var trainer: ModelTrainer
    /// Joined examples learned so far.
    public private(set) var examplesLearned = 0
    /// Model versions published so far (restarts included).
    public private(set) var versionsPublished = 0
    /// Shadows restarted after drift alarms on the champion.
    public private(set) var restartsAfterDrift = 0

    /// Trains with `trainer`.
    public init(trainer: ModelTrainer) { self.trainer = trainer }

    /// What the trainer reads: joined examples, and drift reports.
    public enum Input: Sendable {
        /// A joined example to learn.
        case example(JoinedExample)
        /// A drift report that may call for a restart.
        case drift(DriftReport)
    }

    /// A drift report from the drift topic, a joined example from any other.
    public static func decode(topic: String, value: [UInt8], topics: LoopTopics) throws(EventDecodingError) -> Input {
        topic == topics.drift
            ? .drift(try EventDecoding.decode(DriftReport.self, from: value))
            : .example(try EventDecoding.decode(JoinedExample.self, from: value))
    }

    /// Learns each example and acts on each report, in order.
    public mutating func handle(
        _ batch: [Consumed<Input>], at time: BatchTime<ContinuousClock.Instant>
    ) -> [Publication] {
        var publications: [Publication] = []
        for consumed in batch {
            switch consumed.input {
            case .drift(let report):
                if let event = trainer.handle(report, ts: time.wallClock) {
                    publications.append(.model(event))
                    restartsAfterDrift += 1
                }
            case .example(let example):
                examplesLearned += 1
                publications += trainer.learn(example, ts: time.wallClock).map(Publication.model)
            }
        }
        versionsPublished += publications.count
        return publications
    }
}
