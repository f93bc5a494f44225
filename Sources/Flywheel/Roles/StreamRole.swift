import FlywheelEvents

// MARK: - StreamRole

/// The plain-value core of one of the loop's roles (inference, feedback, trainer, promoter, registry recorder):
/// decoded inputs and the time come in, the events to publish come out. Everything around it — reading batches,
/// decoding, dead-lettering, delivering with retries, storing offsets, counting — is the ``RoleRunner``'s, written
/// once for every role.
///
/// A core knows no Kafka: it sees each record's topic and bytes (to decode) and where it came from (to record
/// positions), and answers with typed ``Publication``s that the runner routes to their topics.
public protocol StreamRole: Sendable {
    /// What the role reads, decoded.
    associatedtype Input: Sendable
    /// The monotonic instant the role's windows and expiries are measured in.
    associatedtype Instant: InstantProtocol<Duration> & Sendable = ContinuousClock.Instant
    /// Counters read often from outside the role (a replay's pacing, progress lines, metrics). Default: none.
    associatedtype Progress: Sendable = Void

    /// The core's ``Progress`` now. ``RoleRunner`` copies it after every batch, so reading it (``RoleRunner/progress``)
    /// never waits for a batch being handled — a reader that took the core's lock instead would hold one of the
    /// concurrency pool's few threads for as long as the batch takes.
    var progress: Progress { get }

    /// Decodes one consumed record; called outside the core's lock, so it must not need the core's state.
    /// - Parameters:
    ///   - topic: the record's topic (a role reading two topics tells them apart by it).
    ///   - value: the record's bytes.
    ///   - topics: the loop's topic names.
    /// - Throws: ``FlywheelEvents/EventDecodingError`` whose reason sends the record to the dead-letter topic; a
    ///   record that decodes but can never be used (a model event without weights) is refused here too.
    static func decode(topic: String, value: [UInt8], topics: LoopTopics) throws(EventDecodingError) -> Input

    /// Handles one batch of decoded inputs, in the order consumed.
    /// - Returns: what to publish; the runner delivers all of it before it stores the batch's offsets.
    /// - Throws: an error the role cannot go on after (a registry that cannot be written); the service group ends.
    mutating func handle(_ batch: [Consumed<Input>], at time: BatchTime<Instant>) throws -> [Publication]

    /// Called once a batch's publications are delivered and before its offsets are stored: where a role persists
    /// what it must keep across restarts.
    /// - Returns: whether the offsets of every batch handled so far may be stored now (the role keeps nothing, or
    ///   what it keeps now reflects them), or must be held until a later call releases them — so the consumer
    ///   group's committed offsets never pass the state the role has saved, and a crash re-reads what the lost
    ///   state had seen instead of losing it. Default: `.release`.
    mutating func batchDelivered(at time: BatchTime<Instant>) throws -> OffsetRelease

    /// Called when the runner stops after its last batch (graceful shutdown); the runner then stores every offset
    /// it held. Default: nothing.
    mutating func stopping(at time: BatchTime<Instant>) throws

    /// Input partitions the role wants left unread for now (asked after every batch): fetching them pauses until the
    /// role no longer names them, so what the role holds in memory while it waits for another input stays bounded;
    /// nothing is skipped. Default: none.
    func pausedInputs(topics: LoopTopics) -> Set<InputPartition>
    /// Whether the runner may handle the next batch while this one's publications are still on their way to the
    /// broker (their delivery reports not yet in): for a role that keeps nothing across restarts, whose
    /// ``batchDelivered(at:)`` then runs after the next batch was handled. The runner still stores offsets batch by
    /// batch in order, each only after its own outputs are delivered. Default: `false` (one batch at a time).
    static var overlapsDelivery: Bool { get }
}

extension StreamRole where Progress == Void {
    /// Nothing to report.
    public var progress: Void { () }
}

extension StreamRole {
    /// Nothing to persist: offsets are stored batch by batch.
    public mutating func batchDelivered(at time: BatchTime<Instant>) throws -> OffsetRelease { .release }

    /// Nothing to do at the end.
    public mutating func stopping(at time: BatchTime<Instant>) throws {}

    /// Every input is read.
    public func pausedInputs(topics: LoopTopics) -> Set<InputPartition> { [] }
    /// One batch at a time: the next is handled once this one's outputs are delivered and its state persisted.
    public static var overlapsDelivery: Bool { false }
}

// MARK: - OffsetRelease

/// Whether the runner may store the offsets of the batches handled so far (``StreamRole/batchDelivered(at:)``).
public enum OffsetRelease: Sendable, Hashable {
    /// Store them: the role's saved state (if any) reflects every batch handled so far.
    case release
    /// Hold them until a later batch releases them (the role has not saved the state that reflects them yet).
    case hold
    /// Store these positions instead: for each partition, the first record the role still needs after a restart
    /// (a record whose effect is not complete yet — a prediction still waiting for its label). A restarted role, or
    /// the next owner of the partition, reads from there and rebuilds what it needs from Kafka.
    case positions([InputPosition])
}

// MARK: - InputPosition

/// Where a role must start reading one input partition again after a restart.
public struct InputPosition: Sendable, Hashable, Codable {
    /// The topic.
    public var topic: String
    /// The partition.
    public var partition: Int32
    /// The offset of the first record to read again.
    public var offset: Int64

    /// Makes a position.
    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

// MARK: - InputPartition

/// One partition of an input topic.
public struct InputPartition: Sendable, Hashable {
    /// The topic.
    public var topic: String
    /// The partition.
    public var partition: Int32

    /// Names a partition.
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
}

// MARK: - Consumed

/// One decoded input and where it came from.
public struct Consumed<Input: Sendable>: Sendable {
    /// The decoded input.
    public var input: Input
    /// The record's topic.
    public var topic: String
    /// The record's partition.
    public var partition: Int32
    /// The record's offset.
    public var offset: Int64

    /// Pairs an input with its position.
    public init(_ input: Input, topic: String, partition: Int32, offset: Int64) {
        self.input = input
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

// MARK: - BatchTime

/// When a batch is handled: a monotonic instant for windows and expiry, and the wall-clock time stamped on events.
/// Both come from clocks injected into the ``RoleRunner``, so tests drive them.
public struct BatchTime<Instant: InstantProtocol<Duration> & Sendable>: Sendable {
    /// The monotonic instant.
    public var instant: Instant
    /// Seconds since 1970.
    public var wallClock: Double

    /// Makes a time.
    public init(instant: Instant, wallClock: Double) {
        self.instant = instant
        self.wallClock = wallClock
    }
}
