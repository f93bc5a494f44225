import FlywheelEvents
import KafkaTransport
import Logging
import ModelRegistry

// MARK: - FeedbackJoiner

/// Joins predictions with their labels and publishes joined examples and drift reports: a ``FeedbackRole`` run by a
/// ``RoleRunner`` over the predictions and labels topics; `C` decides when waiting entries expire. Malformed
/// predictions or labels go to the dead-letter topic with the reason.
public typealias FeedbackJoiner<C: Clock<Duration>> = RoleRunner<FeedbackRole<C.Instant>, C> where C.Instant: Sendable

extension RoleRunner where Role == FeedbackRole<C.Instant> {
    /// Makes a joiner; with a `stateStore` it starts from the state it saved there (waiting predictions and labels,
    /// metrics, drift detectors and reference) and saves it as ``FeedbackRole`` says.
    /// - Throws: ``ModelRegistry/RegistryError`` when the state store cannot be read.
    public convenience init(
        consumer: KafkaConsumer, producer: KafkaProducer, configuration: Configuration = .init(),
        feedback: FeedbackRole<C.Instant>.Configuration = .init(), clock: C, stateStore: StateStore? = nil,
        restorer: PartitionRestorer<FeedbackRole<C.Instant>>? = nil, logger: Logger
    ) throws(RegistryError) {
        let core = try FeedbackRole<C.Instant>(configuration: feedback, store: stateStore, at: clock.now)
        if stateStore != nil, core.scoreboard.served.overall.count > 0 {
            logger.notice("Feedback metrics restored", metadata: ["flywheel.scored": "\(core.scoreboard.served.overall.count)"])
        }
        self.init(
            core: core, consumer: consumer, producer: producer, configuration: configuration, clock: clock,
            restorer: restorer, logger: logger)
    }

    /// The join's counters.
    public var counters: JoinState<C.Instant>.Counters { progress.counters }

    /// How many predictions and labels wait for their other half.
    public var pending: (predictions: Int, labels: Int) {
        let counts = withCore { [$0.join.pending.predictions, $0.join.pending.labels] }
        return (counts[0], counts[1])
    }

    /// Every model version's prequential metrics so far.
    public var scoreboard: ModelScoreboard { withCore { $0.scoreboard } }

    /// Every drift alarm so far.
    public var driftAlarms: [DriftMonitor.Alarm] { withCore { $0.drift.alarms } }

    /// Where every label read so far ended: joined, orphaned (its prediction never came within the window),
    /// duplicate, dead-lettered (malformed or outside the task's classes), or still waiting — and how many were read.
    public func labelAccount(labelsTopic: String) -> LabelAccount {
        let counters = counters, waiting = pending.labels, statistics = statistics
        return LabelAccount(
            received: statistics.consumedByTopic[labelsTopic] ?? 0, joined: counters.joined,
            orphaned: counters.orphanedLabels, duplicate: counters.duplicateLabels,
            deadLettered: statistics.deadLetteredByTopic[labelsTopic] ?? 0, waiting: waiting)
    }

    /// Requests learned as joined from the examples topic when partitions were assigned to this process.
    public var restoredJoins: Int { progress.restoredJoins }

    /// Drift reports delivered so far.
    public var driftReportsPublished: Int { progress.reportsPublished }

    /// Joined examples the label guard has held back from learning so far.
    public var labelsHeldBack: Int { progress.labelsHeldBack }

    /// Whether the label guard suspects the labels now (nil: no guard).
    public var labelsSuspect: Bool? { withCore { $0.labelGuard.map { $0.state == .suspect } } }

    /// Trusts the labels again from the next joined example on (an operator's order, signed by `actor`).
    public func trustLabels(actor: String) { updateCore { $0.trustLabels(actor: actor) } }
}

// MARK: - LabelAccount

/// Where every label ended; ``unaccounted`` is 0 when nothing was lost.
public struct LabelAccount: Sendable, Hashable, CustomStringConvertible {
    /// Labels read from the labels topic.
    public var received: Int
    /// Joined with their prediction.
    public var joined: Int
    /// Dropped after waiting a whole window for their prediction.
    public var orphaned: Int
    /// For a request already joined or already waiting.
    public var duplicate: Int
    /// Malformed, or outside the task's classes.
    public var deadLettered: Int
    /// Still waiting for their prediction.
    public var waiting: Int

    /// Labels read that are in none of the outcomes (0 unless something was lost).
    public var unaccounted: Int { received - joined - orphaned - duplicate - deadLettered - waiting }

    /// `100 received = 97 joined + 1 orphaned + 1 duplicate + 1 dead-lettered + 0 waiting`.
    public var description: String { formatted(String.init) }

    /// The account with each count written by `number` (e.g. with thousands separators).
    public func formatted(_ number: (Int) -> String) -> String {
        "\(number(received)) received = \(number(joined)) joined + \(number(orphaned)) orphaned + \(number(duplicate)) "
            + "duplicate + \(number(deadLettered)) dead-lettered + \(number(waiting)) waiting"
            + (unaccounted == 0 ? "" : " (\(number(unaccounted)) UNACCOUNTED)")
    }
}

// MARK: - Restoring joins

extension FeedbackRole {
    /// The restorer that reads, when predictions or labels partitions are assigned to this process, which requests
    /// already have an example (``JoinedRequests``). Every request this process may join again lies after the
    /// committed position it starts reading at, and its example was published while the previous owner handled
    /// records after that position; so reading back, in the examples partition of the same number, twice as many
    /// examples as there are records to read again (plus `margin`) finds them — unless one input topic lagged the
    /// other by more than that at the previous owner, when an example may go out twice (the trainer and the
    /// promoter still apply it once).
    /// - Parameters:
    ///   - examplesPartitions: the examples topic's partition count; when it equals the inputs' (`inputPartitions`),
    ///     a request's example is in the partition of the same number and only those are read, else all of them.
    public static func joinedExamplesRestorer(
        examplesTopic: String, examplesPartitions: Int, inputPartitions: Int, consumer: KafkaConsumerConfiguration,
        margin: Int64 = 10_000, logger: Logger
    ) -> PartitionRestorer<Self> {
        PartitionRestorer { partitions in
            // One consumer: first for the inputs' ends, then to read the examples.
            let reader = try KafkaConsumer(configuration: consumer, logger: logger)
            var reread: Int64 = 0
            for topic in Set(partitions.map(\.topic)) {
                let given = partitions.filter { $0.topic == topic }
                let marks = try await reader.watermarks(topic: topic, partitions: given.map(\.partition))
                reread += given.reduce(0) { $0 + max(0, (marks[$1.partition]?.high ?? $1.firstOffset) - $1.firstOffset) }
            }
            let numbers = Set(partitions.map(\.partition)).sorted()
            let read = examplesPartitions == inputPartitions ? numbers : (0..<Int32(examplesPartitions)).map { $0 }
            let ids = try await JoinedRequests.requestIDs(
                topic: examplesTopic, partitions: read, last: 2 * reread + margin, using: reader, logger: logger)
            logger.info("Partitions assigned; their requests already joined are read from the examples topic", metadata: [
                "flywheel.partitions": "\(partitions.map { "\($0.topic)[\($0.partition)]@\($0.firstOffset)" })",
                "flywheel.joined.restored": "\(ids.count)",
            ])
            return { core, time in core.rememberJoined(ids, at: time) }
        }
    }
}
