import CRdKafka
import Dispatch
import Logging
import ServiceLifecycle
import Synchronization

// MARK: - KafkaConsumer

/// Reads records from Kafka through librdkafka, in a consumer group, at least once.
///
/// Run it as a `Service` (``run()``): `run` polls librdkafka on a dedicated thread and hands batches to ``messages``,
/// pausing when the application falls ``KafkaConsumerConfiguration/bufferedBatches`` behind. The application marks
/// records processed with ``storeOffsets(for:)``; stored offsets are committed in the background, before partitions
/// are revoked in a rebalance, and when the consumer closes. A record is therefore never committed before it was
/// processed, and after a rebalance or crash at most the records handed out but not yet stored are seen again
/// (``KafkaConsumerStatistics/uncommittedAtRevocation`` counts them).
///
/// Choose partitions with ``subscribe(topics:)`` (group-managed, rebalancing) or ``assign(_:)`` (fixed).
///
/// - Important: ``messages`` can be iterated once. On graceful shutdown or cancellation `run` closes the consumer
///   (commit, leave the group) and the sequence ends.
public final class KafkaConsumer: Service, Sendable {
    /// The configuration this consumer was made with.
    public let configuration: KafkaConsumerConfiguration
    /// Batches of records, in partition order, as the application should process them.
    public let messages: KafkaConsumerMessages

    let client: RDKafkaClient
    let logger: Logger
    let groupState: ConsumerGroupState
    private let continuation: AsyncStream<PolledBatch>.Continuation
    private let slots: BatchSlots
    private let isStopRequested = Atomic<Bool>(false)
    /// While the poll loop runs, a handle on the queue `rd_kafka_consumer_poll` serves, so ``requestStop()`` can end a
    /// poll that is waiting (`rd_kafka_queue_yield`) instead of letting it run out its timeout.
    private let pollQueue = Mutex<OpaquePointer?>(nil)
    /// The partitions ``pauseFetching(_:)`` paused, and the assignment count they were paused in.
    let paused = Mutex<(partitions: Set<KafkaTopicPartition>, assignments: Int)>(([], 0))

    /// Creates the librdkafka consumer. It joins nothing until ``subscribe(topics:)`` or ``assign(_:)``.
    /// - Throws: ``KafkaError/Code-swift.struct/invalidConfiguration`` naming a rejected property.
    public init(configuration: KafkaConsumerConfiguration, logger: Logger) throws(KafkaError) {
        try configuration.client.validate()
        try configuration.validate()
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: KafkaLogKey.role] = "consumer"
        self.logger = logger
        let groupState = ConsumerGroupState()
        self.groupState = groupState
        let client = try RDKafkaClient(
            kind: .consumer,
            properties: configuration.librdkafkaProperties,
            context: RDKafkaClientContext(logger: logger, consumerState: groupState)
        ) { conf in
            rd_kafka_conf_set_rebalance_cb(conf, rdKafkaRebalanceCallback)
            rd_kafka_conf_set_offset_commit_cb(conf, rdKafkaOffsetCommitCallback)
        }
        // Route the main queue (errors) to the consumer queue so one poll serves everything.
        rd_kafka_poll_set_consumer(client.handle)
        self.client = client
        let slots = BatchSlots(count: configuration.bufferedBatches)
        self.slots = slots
        let (stream, continuation) = AsyncStream<PolledBatch>.makeStream()
        self.continuation = continuation
        self.messages = KafkaConsumerMessages(stream: stream, state: groupState, slots: slots)
    }

    /// Joins the consumer group and lets it share out the topics' partitions (`rd_kafka_subscribe`).
    /// - Throws: ``KafkaError/Code-swift.struct/client`` if librdkafka refuses (e.g. an invalid topic name).
    public func subscribe(topics: [String]) throws(KafkaError) {
        let list = RDKafkaTopicPartitionList(topics: topics)
        let err = rd_kafka_subscribe(client.handle, list.pointer)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.from(err, code: .client, context: "subscribing to \(topics.joined(separator: ","))")
        }
    }

    /// Reads exactly these partitions from these positions, without group rebalancing (`rd_kafka_assign`).
    /// Commits still go to the group. Use ``KafkaTopicPartitionOffset/stored`` to resume from the committed offset.
    ///
    /// First loads the topics' metadata so librdkafka knows every partition's leader before fetching starts: in
    /// librdkafka 2.0.2 a partition whose start offset is looked up before its leader is known retries the lookup
    /// 500 ms later, which stalled reading 200,000 messages by 0.5–1 s in half the runs of `flywheel-bench kafka`.
    /// - Parameters:
    ///   - positions: the partitions and where to start.
    ///   - metadataTimeout: how long to wait for the topics' metadata; on timeout, assignment goes ahead anyway.
    /// - Throws: ``KafkaError/Code-swift.struct/client`` if librdkafka refuses.
    public func assign(
        _ positions: [KafkaTopicPartitionOffset],
        metadataTimeout: Duration = .seconds(5)
    ) async throws(KafkaError) {
        let client = self.client
        let logger = self.logger
        let topics = Set(positions.map(\.topic))
        try await BlockingCall.run(name: "flywheel.kafka.assign") { () throws(KafkaError) in
            for topic in topics {
                do {
                    try client.loadTopicMetadata(topic, timeout: metadataTimeout)
                } catch {
                    logger.warning("Assigning without metadata", metadata: [KafkaLogKey.error: "\(error)"])
                }
            }
        }
        let list = RDKafkaTopicPartitionList(positions)
        groupState.withLock { $0.assigned(positions.map(\.topicPartition)) }
        let err = rd_kafka_assign(client.handle, list.pointer)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.from(err, code: .client, context: "assigning \(positions.count) partitions")
        }
        // The same line a group's assignment logs (the rebalance callback), so a log reads alike either way.
        logger.info("Partitions assigned", metadata: [
            "kafka.partitions": "\(positions.map(\.topicPartition.description).joined(separator: ", "))",
        ])
    }

    /// Counters: records handed out, stale records dropped after revocations, rebalances, the duplicate bound.
    public var statistics: KafkaConsumerStatistics { groupState.withLock { $0.statistics } }

    /// The partitions currently assigned to this member.
    public var assignment: Set<KafkaTopicPartition> { groupState.withLock { $0.assignment } }

    /// Polls until graceful shutdown or cancellation, then closes: commits stored offsets and leaves the group.
    /// - Throws: the client's fatal ``KafkaError`` if librdkafka raised one.
    public func run() async throws {
        try await BlockingCall.runUntilShutdown(name: "flywheel.kafka.consumer", requestStop: requestStop) {
            () throws(KafkaError) in try self.pollLoop()
        }
    }

    /// Asks ``run()`` to close the consumer and return. Safe from any thread, more than once. A poll waiting for
    /// records returns at once: a process of several consumers, stopped one after another, would otherwise wait up to
    /// ``KafkaConsumerConfiguration/pollTimeout`` for each (~0.5 s for the demo's six).
    public func requestStop() {
        isStopRequested.store(true, ordering: .releasing)
        pollQueue.withLock { queue in
            if let queue { rd_kafka_queue_yield(queue) }
        }
        slots.stop()
    }

    // MARK: Poll loop

    /// The poll loop, on its dedicated thread.
    private func pollLoop() throws(KafkaError) {
        var topicNames = RDKafkaTopicNames()
        var failure: KafkaError?
        let pollTimeout = Int32(clamping: configuration.pollTimeout.milliseconds)
        client.warmUp(logger: logger)
        pollQueue.withLock { $0 = rd_kafka_queue_get_consumer(client.handle) }
        defer {
            // The consumer queue's handle must go before the consumer closes (rdkafka.h).
            pollQueue.withLock { queue in
                if let queue { rd_kafka_queue_destroy(queue) }
                queue = nil
            }
            // "rd_kafka_consumer_close … triggers a local rebalance to revoke the assignment (the rebalance callback
            // commits stored offsets), commits, and leaves the group." Blocks until done.
            let err = rd_kafka_consumer_close(client.handle)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                logger.warning("Closing the consumer reported an error", metadata: [KafkaLogKey.error: "\(KafkaResponseCode(rawValue: err.rawValue))"])
            }
            continuation.finish()
        }
        while !isStopRequested.load(ordering: .acquiring) && failure == nil {
            // Back-pressure: wait for the application to take a batch before polling more.
            guard slots.take(timeout: configuration.pollTimeout) else { continue }
            var batch: [KafkaConsumerMessage] = []
            batch.reserveCapacity(configuration.maximumBatchSize)
            var segments: [PolledBatch.Segment] = []
            var next = rd_kafka_consumer_poll(client.handle, pollTimeout)
            while let message = next {
                // A rebalance callback may run inside any poll; the generation read after the poll returned is the
                // one this record belongs to, so records before and after a revocation are told apart.
                let generation = groupState.generation
                if segments.last?.generation != generation {
                    segments.append(.init(start: batch.count, generation: generation))
                }
                if let error = handle(message, into: &batch, topicNames: &topicNames) { failure = error }
                rd_kafka_message_destroy(message)
                if batch.count >= configuration.maximumBatchSize || failure != nil { break }
                next = rd_kafka_consumer_poll(client.handle, 0)
            }
            if batch.isEmpty {
                slots.give()
            } else {
                continuation.yield(PolledBatch(messages: batch, segments: segments))
            }
        }
        if let failure { throw failure }
    }

    /// Copies one polled message into `batch`, or handles the error it carries.
    /// - Returns: a fatal error that must stop the loop.
    private func handle(
        _ pointer: UnsafeMutablePointer<rd_kafka_message_t>,
        into batch: inout [KafkaConsumerMessage],
        topicNames: inout RDKafkaTopicNames
    ) -> KafkaError? {
        let message = pointer.pointee
        guard message.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            if message.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return nil }
            groupState.withLock { $0.statistics.pollErrors += 1 }
            if message.err == RD_KAFKA_RESP_ERR__FATAL {
                let error = client.fatalError() ?? KafkaError.from(message.err, code: .client, context: "consumer")
                logger.critical("Consumer hit a fatal error", metadata: [KafkaLogKey.error: "\(error)"])
                return error
            }
            logger.warning(
                "Consumer error",
                metadata: [KafkaLogKey.error: "\(KafkaResponseCode(rawValue: message.err.rawValue))"]
            )
            return nil
        }
        batch.append(Self.copy(pointer, readingHeaders: configuration.readsHeaders, topicNames: &topicNames))
        return nil
    }

    /// Copies a librdkafka message into a Swift value (the C message is destroyed right after); its headers only when
    /// `readingHeaders` (see ``KafkaConsumerConfiguration/readsHeaders``).
    static func copy(
        _ pointer: UnsafeMutablePointer<rd_kafka_message_t>,
        readingHeaders: Bool,
        topicNames: inout RDKafkaTopicNames
    ) -> KafkaConsumerMessage {
        let message = pointer.pointee
        let topic = topicNames.name(of: message.rkt)
        let value = message.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: message.len)) } ?? []
        let key = message.key.map { Array(UnsafeRawBufferPointer(start: $0, count: message.key_len)) }
        var headers: [KafkaHeader] = []
        var headerList: OpaquePointer?
        if readingHeaders, rd_kafka_message_headers(pointer, &headerList) == RD_KAFKA_RESP_ERR_NO_ERROR, let headerList {
            var index = 0
            var name: UnsafePointer<CChar>?
            var headerValue: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(headerList, index, &name, &headerValue, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append(
                    KafkaHeader(
                        name: name.map { String(cString: $0) } ?? "",
                        value: headerValue.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
                    )
                )
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(pointer, &timestampType)
        return KafkaConsumerMessage(
            topic: topic,
            partition: message.partition,
            offset: message.offset,
            key: key,
            value: value,
            headers: headers,
            timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp
        )
    }
}

/// A batch as the poll thread made it, with the group generation each record was polled under.
struct PolledBatch: Sendable {
    /// A run of records polled under one generation.
    struct Segment: Sendable, Equatable {
        /// Index of the run's first record in ``PolledBatch/messages``.
        let start: Int
        /// ``ConsumerGroupState/generation`` when those records were polled.
        let generation: UInt64
    }

    /// The records.
    let messages: [KafkaConsumerMessage]
    /// Where the generation changes, in order; the first starts at 0.
    let segments: [Segment]
}
