import FlywheelEvents
import KafkaTransport
import Logging
import ServiceLifecycle
import Synchronization

// MARK: - RoleRunner

/// Runs one role's ``StreamRole`` core against Kafka, the same way for every role: for each consumed batch it decodes
/// every record (a record that does not decode goes to the dead-letter topic with the reason), hands the decoded
/// batch to the core under one lock with the time from the injected clocks, delivers everything the core publishes
/// and the dead letters — resending what failed, up to ``Configuration/deliveryAttempts`` — lets the core persist
/// (``StreamRole/batchDelivered(at:)``), and only then stores the batch's offsets — or holds them, when the core has
/// not yet saved the state that reflects them, until it has. So no input is committed before its
/// effects are delivered (at least once), and a role's own code is its core. After each batch it pauses fetching the
/// input partitions the core names (``StreamRole/pausedInputs(topics:)``) and resumes the others.
///
/// - Important: the consumer and producer are services of their own; run them in the same `ServiceGroup`, before
///   this one. The runner ends when the consumer's messages end (graceful shutdown), after the core's
///   ``StreamRole/stopping(at:)``.
public final class RoleRunner<Role: StreamRole, C: Clock<Duration>>: Service, Sendable where C.Instant == Role.Instant {
    /// Topic names, delivery and time settings (one type for every role).
    public typealias Configuration = RoleConfiguration

    /// What the runner has done so far.
    public struct Statistics: Sendable, Hashable {
        /// Records consumed (decoded or not).
        public var consumed = 0
        /// The same, by topic.
        public var consumedByTopic: [String: Int] = [:]
        /// Input records sent to the dead-letter topic (malformed, or refused by the role).
        public var deadLettered = 0
        /// The same, by the topic they came from.
        public var deadLetteredByTopic: [String: Int] = [:]
        /// The same, by cause: `malformed` (the record does not decode as the topic's event) or `refused` (it decodes,
        /// but the role cannot use it, e.g. a label for an unknown task).
        public var deadLetteredByCause: [String: Int] = [:]
        /// Events published (dead letters not included).
        public var published = 0
        /// Outputs that could not be published (not encodable, or refused by Kafka), sent to the dead-letter topic.
        public var unpublishable = 0
        /// Batches handled.
        public var batches = 0
    }

    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let configuration: Configuration
    private let clock: C
    private let logger: Logger
    private let core: Mutex<Role>
    /// The core's progress as it left its last batch (or restore, or update).
    private let latestProgress: Mutex<Role.Progress>
    private let counters = Mutex(Statistics())
    /// The last record of each partition whose offset the core has not released yet.
    private let held = Mutex<[KafkaTopicPartition: KafkaConsumerMessage]>([:])
    private let readiness: (@Sendable () async throws -> Void)?
    private let restorer: PartitionRestorer<Role>?
    /// Input partitions this process has read since they were assigned to it (for the restorer).
    private let known = Mutex<Set<KafkaTopicPartition>>([])

    /// Makes a runner around `core`.
    /// - Parameters:
    ///   - core: the role's state and logic.
    ///   - consumer: subscribed or assigned to the role's input topics.
    ///   - producer: where publications and dead letters go.
    ///   - clock: the monotonic clock the core's windows use.
    ///   - readiness: awaited before the first batch is read (an inference role waits until its models have caught
    ///     up with the models topic); its error ends the service.
    ///   - restorer: run before the first batch with records of partitions newly assigned to this process.
    public init(
        core: Role, consumer: KafkaConsumer, producer: KafkaProducer, configuration: Configuration = .init(), clock: C,
        readiness: (@Sendable () async throws -> Void)? = nil, restorer: PartitionRestorer<Role>? = nil, logger: Logger
    ) {
        self.readiness = readiness
        self.restorer = restorer
        self.latestProgress = Mutex(core.progress)
        self.core = Mutex(core)
        self.consumer = consumer
        self.producer = producer
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    /// What the runner has done so far.
    public var statistics: Statistics { counters.withLock { $0 } }

    /// How many input partitions the consumer is assigned now (0 while it waits for its group to rebalance).
    public var assignedPartitions: Int { consumer.assignment.count }

    /// How many records each assigned input partition holds past the consumer's position (see
    /// ``KafkaTransport/KafkaConsumer/lag()``).
    public var consumerLag: [KafkaTopicPartition: Int64] { consumer.lag() }

    /// Reads the core's state under its lock (for counters, metrics and tests).
    public func withCore<T: Sendable>(_ body: (Role) -> T) -> T { core.withLock { body($0) } }

    /// Changes the core's state under its lock, between batches (an operator's command, such as a freeze).
    public func updateCore<T: Sendable>(_ body: (inout Role) -> T) -> T {
        core.withLock { core in
            defer { record(core.progress) }
            return body(&core)
        }
    }

    /// The core's ``StreamRole/progress`` as it left the last batch it handled (or restore, or update): read without
    /// waiting for a batch being handled, so poll it as often as needed.
    public var progress: Role.Progress { latestProgress.withLock { $0 } }

    private func record(_ progress: Role.Progress) { latestProgress.withLock { $0 = progress } }

    /// Handles batches until the consumer's messages end or the service group shuts down gracefully.
    /// - Throws: ``KafkaTransport/KafkaError`` when output cannot be delivered after the configured attempts, or what
    ///   the core throws.
    public func run() async throws {
        if let readiness {
            try await readiness()
            logger.notice("Role ready", metadata: ["flywheel.role": "\(Role.self)"])
        }
        // A role that keeps nothing across restarts handles its next batch while this one's outputs are still on
        // their way to the broker; offsets are stored batch by batch in order, each after its own delivery, and at
        // most two batches are in delivery at once.
        var previous: Task<Void, any Error>?
        for await batch in consumer.messages.cancelOnGracefulShutdown() {
            guard Role.overlapsDelivery else {
                try await process(batch)
                continue
            }
            let handled = try await handle(batch)
            let sent = try await producer.enqueue(handled.outgoing)
            let earlier = previous
            previous = Task { try await self.finish(handled, sent: sent, after: earlier) }
            try await earlier?.value
        }
        try await previous?.value
        let time = now
        try core.withLock { core in
            defer { record(core.progress) }
            try core.stopping(at: time)
        }
        consumer.storeOffsets(for: held.withLock { held in defer { held = [:] }; return Array(held.values) })
    }

    /// Handles one batch: restore new partitions, decode, dead-letter, handle, deliver, persist, store offsets.
    func process(_ batch: [KafkaConsumerMessage]) async throws {
        let handled = try await handle(batch)
        try await finish(handled, sent: try await producer.enqueue(handled.outgoing), after: nil)
    }

    /// A batch the core has handled, its outputs (and dead letters) ready to deliver.
    struct HandledBatch: Sendable {
        /// The batch as consumed.
        var batch: [KafkaConsumerMessage]
        /// The record behind each decoded input, for refusals and dead letters.
        var sources: [KafkaConsumerMessage]
        /// Everything to deliver.
        var outgoing: [KafkaOutgoingMessage]
        /// Inputs sent to the dead-letter topic, by topic.
        var refused: [String: Int]
        /// How many of them the core refused (the rest did not decode).
        var refusedByRole: Int
        /// Publications encoded.
        var published: Int
        /// Publications that could not be encoded.
        var unpublishable: Int
        /// The time the batch was handled at.
        var time: BatchTime<Role.Instant>
    }

    /// Restores new partitions, decodes, dead-letters what does not decode, hands the rest to the core and encodes
    /// what it publishes.
    private func handle(_ batch: [KafkaConsumerMessage]) async throws -> HandledBatch {
        try await restoreNewPartitions(in: batch)
        let time = now
        let topics = configuration.topics
        var inputs: [Consumed<Role.Input>] = []
        var sources: [KafkaConsumerMessage] = []  // the record behind each input, for refusals
        inputs.reserveCapacity(batch.count)
        sources.reserveCapacity(batch.count)
        var outgoing: [KafkaOutgoingMessage] = []
        var refused: [String: Int] = [:]
        var refusedByRole = 0
        for message in batch {
            do throws(EventDecodingError) {
                let input = try Role.decode(topic: message.topic, value: message.value, topics: topics)
                inputs.append(Consumed(input, topic: message.topic, partition: message.partition, offset: message.offset))
                sources.append(message)
            } catch {
                outgoing.append(BatchOutput.deadLetter(
                    for: message, reason: error.reason, topic: topics.deadLetter, ts: time.wallClock))
                refused[message.topic, default: 0] += 1
            }
        }
        let publications = try core.withLock { core in
            defer { record(core.progress) }
            return try core.handle(inputs, at: time)
        }
        outgoing.reserveCapacity(outgoing.count + publications.count)
        var published = 0, unpublishable = 0
        for publication in publications {
            guard let (topic, key) = publication.destination(topics: topics) else {
                if case .refusal(let index, let reason) = publication {
                    precondition(sources.indices.contains(index), "A role refused input \(index) of a batch of \(sources.count).")
                    outgoing.append(BatchOutput.deadLetter(
                        for: sources[index], reason: reason, topic: topics.deadLetter, ts: time.wallClock))
                    refused[sources[index].topic, default: 0] += 1
                    refusedByRole += 1
                }
                continue
            }
            do throws(EventEncodingError) {
                outgoing.append(KafkaOutgoingMessage(topic: topic, key: key, value: try publication.encoded()))
                published += 1
                if case .model(let event) = publication, let evidence = event.evidence { Self.log(event, evidence, logger) }
            } catch {
                unpublishable += 1
                let output = KafkaOutgoingMessage(topic: topic, key: key, value: publication.lossyEncoded)
                logger.error("An output that cannot be encoded goes to the dead-letter topic", metadata: [
                    "kafka.topic": "\(topic)", "flywheel.error": "\(error.reason)",
                ])
                outgoing.append(BatchOutput.deadLetter(
                    forOutput: output, answering: Self.origin(of: output, in: sources, batch: batch),
                    reason: "the output for \(topic) could not be encoded: \(error.reason)", topic: topics.deadLetter,
                    ts: time.wallClock))
            }
        }
        return HandledBatch(
            batch: batch, sources: sources, outgoing: outgoing, refused: refused, refusedByRole: refusedByRole,
            published: published, unpublishable: unpublishable, time: time)
    }

    /// Waits for a handled batch's outputs (already enqueued: `sent`) to be delivered, resending or setting aside
    /// what failed; then, once `earlier` (the batch before, when deliveries overlap) has finished, lets the core
    /// persist, stores or holds the batch's offsets, pauses what the core names and counts.
    private func finish(_ handled: HandledBatch, sent: KafkaPendingBatch, after earlier: Task<Void, any Error>?) async throws {
        let (batch, sources, time, topics) = (handled.batch, handled.sources, handled.time, configuration.topics)
        let setAside = try await BatchOutput.confirm(
            sent, of: handled.outgoing, through: producer, attempts: configuration.deliveryAttempts, logger: logger
        ) { output, code in
            BatchOutput.deadLetter(
                forOutput: output, answering: Self.origin(of: output, in: sources, batch: batch),
                reason: "the output for \(output.topic) (\(output.value.count) bytes) was refused by Kafka: \(code); "
                    + "its first \(DeadLetterEvent.outputBytesKept) bytes are kept",
                topic: topics.deadLetter, ts: time.wallClock)
        }
        try await earlier?.value
        switch try core.withLock({ core in try core.batchDelivered(at: time) }) {
        case .release:
            let earlier = held.withLock { held in defer { held = [:] }; return Array(held.values) }
            consumer.storeOffsets(for: earlier + batch)
        case .hold:
            held.withLock { held in
                for message in batch { held[KafkaTopicPartition(topic: message.topic, partition: message.partition)] = message }
            }
        case .positions(let positions):
            held.withLock { $0 = [:] }
            consumer.storeOffsets(positions.map {
                KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: $0.offset)
            })
        }
        let holdBack = core.withLock { core in
            record(core.progress)
            return core.pausedInputs(topics: topics)
        }
        if !holdBack.isEmpty || !consumer.pausedPartitions.isEmpty {
            consumer.pauseFetching(Set(holdBack.map { KafkaTopicPartition(topic: $0.topic, partition: $0.partition) }))
        }
        counters.withLock {
            $0.consumed += batch.count
            for message in batch { $0.consumedByTopic[message.topic, default: 0] += 1 }
            for (topic, count) in handled.refused {
                $0.deadLettered += count
                $0.deadLetteredByTopic[topic, default: 0] += count
            }
            let malformed = handled.refused.values.reduce(0, +) - handled.refusedByRole
            if malformed > 0 { $0.deadLetteredByCause["malformed", default: 0] += malformed }
            if handled.refusedByRole > 0 { $0.deadLetteredByCause["refused", default: 0] += handled.refusedByRole }
            $0.published += handled.published - setAside
            $0.unpublishable += handled.unpublishable + setAside
            $0.batches += 1
        }
    }

    /// Runs the restorer for partitions of `batch` not read since they were assigned here (partitions revoked in
    /// the meantime are forgotten, so one that comes back is restored again).
    private func restoreNewPartitions(in batch: [KafkaConsumerMessage]) async throws {
        guard let restorer else { return }
        let assigned = consumer.assignment
        let fresh = known.withLock { known -> [NewPartition] in
            known.formIntersection(assigned)
            var fresh: [NewPartition] = []
            var previous: KafkaTopicPartition?
            for message in batch {
                let partition = KafkaTopicPartition(topic: message.topic, partition: message.partition)
                guard partition != previous else { continue }  // a batch comes in runs of one partition
                previous = partition
                guard known.insert(partition).inserted else { continue }
                fresh.append(NewPartition(
                    topic: message.topic, partition: message.partition, firstOffset: message.offset,
                    firstTimestampMilliseconds: message.timestampMilliseconds))
            }
            return fresh
        }
        guard !fresh.isEmpty else { return }
        let change = try await restorer.restore(fresh)
        let time = now
        core.withLock { core in
            change(&core, time)
            record(core.progress)
        }
    }

    /// The input an output answered: the record with the output's key, or the batch's last record.
    private static func origin(
        of output: KafkaOutgoingMessage, in sources: [KafkaConsumerMessage], batch: [KafkaConsumerMessage]
    ) -> KafkaConsumerMessage {
        sources.last { $0.key == output.key } ?? batch[batch.count - 1]
    }

    /// A decision or a restart is news for whoever reads the log; a plain new version is not.
    private static func log(_ event: ModelEvent, _ evidence: [String: EvidenceValue], _ logger: Logger) {
        var metadata: Logger.Metadata = ["flywheel.model.event": "\(event.kind.rawValue)", "flywheel.model.version": "\(event.model)"]
        if let replaced = event.replaces { metadata["flywheel.model.replaces"] = "\(replaced)" }
        for (key, value) in evidence {
            switch value {
            case .number(let number): metadata["flywheel.evidence.\(key)"] = "\(number)"
            case .text(let text): metadata["flywheel.evidence.\(key)"] = "\(text)"
            }
        }
        logger.notice("Published a model event with evidence", metadata: metadata)
    }

    private var now: BatchTime<Role.Instant> { BatchTime(instant: clock.now, wallClock: configuration.wallClock.secondsSince1970) }
}

// MARK: - RoleConfiguration

/// What every role runner is configured with: the topics, how hard to try delivering, and the wall clock.
public struct RoleConfiguration: Sendable {
    /// The loop's topics: where each kind of ``Publication`` goes, and the dead-letter topic. Default: `LoopTopics()`.
    public var topics = LoopTopics()
    /// How often a batch whose output was not all delivered is sent in all before the role gives up (the service
    /// group then ends with the error; the batch's offsets are not stored). Default: 5.
    public var deliveryAttempts = 5
    /// The wall clock stamped on events (the monotonic clock for windows is the runner's `clock`). Default: the
    /// system's.
    public var wallClock: any WallClock = SystemWallClock()

    /// The defaults above.
    public init() {}
}
