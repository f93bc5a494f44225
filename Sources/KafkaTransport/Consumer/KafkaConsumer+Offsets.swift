import CRdKafka

extension KafkaConsumer {
    /// Marks records processed: for each partition, the offset after the last record given becomes the position to
    /// commit (`rd_kafka_offsets_store`). Committed in the background, on revocation, and on close.
    ///
    /// Records of partitions no longer assigned are ignored (their next owner will see them again).
    /// - Parameter messages: processed records (any order, any partitions).
    public func storeOffsets(for messages: some Sequence<KafkaConsumerMessage>) {
        var next: [KafkaTopicPartition: Int64] = [:]
        for message in messages {
            let partition = KafkaTopicPartition(topic: message.topic, partition: message.partition)
            next[partition] = max(next[partition] ?? 0, message.offset + 1)
        }
        storeOffsets(next.map { KafkaTopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value) })
    }

    /// Marks positions to commit: for each partition, `offset` is the next record to read after a restart (which may
    /// lie behind records already consumed, for a role that must read them again). Committed in the background, on
    /// revocation, and on close; partitions no longer assigned are ignored.
    public func storeOffsets(_ positions: [KafkaTopicPartitionOffset]) {
        guard !positions.isEmpty else { return }
        let assigned = groupState.withLock { state in
            let assigned = positions.filter { state.assignment.contains($0.topicPartition) }
            state.stored(assigned)
            return assigned
        }
        guard !assigned.isEmpty else { return }
        let list = RDKafkaTopicPartitionList(assigned)
        let err = rd_kafka_offsets_store(client.handle, list.pointer)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.debug("Storing offsets failed", metadata: [KafkaLogKey.error: "\(KafkaResponseCode(rawValue: err.rawValue))"])
        }
    }

    /// Commits stored offsets now and waits for the broker (`rd_kafka_commit`, synchronous).
    /// - Throws: ``KafkaError/Code-swift.struct/client`` if the commit fails; nothing stored is not an error.
    public func commit() async throws(KafkaError) {
        let client = self.client
        let state = groupState
        try await BlockingCall.run(name: "flywheel.kafka.commit") { () throws(KafkaError) in
            let err = rd_kafka_commit(client.handle, nil, 0)
            if err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET { return }
            state.withLock { $0.statistics.commitFailures += 1 }
            throw KafkaError.from(err, code: .client, context: "committing offsets")
        }
    }

    /// Fetches cluster metadata: a check that `bootstrap.servers` is reachable, which also warms up the connection and
    /// partition leadership so the first fetch after ``assign(_:)`` starts at once.
    /// - Throws: ``KafkaError/Code-swift.struct/unreachable`` naming the address when no broker answers in time.
    public func metadata(timeout: Duration = .seconds(10)) async throws(KafkaError) -> KafkaClusterMetadata {
        try await client.metadataOffThread(timeout: timeout)
    }

    /// The low and high watermarks (the first offset still kept, and the offset the next record will get) of each
    /// partition of `topic` given, from the partition leaders (`rd_kafka_query_watermark_offsets`).
    /// - Throws: ``KafkaError/Code-swift.struct/client`` when a leader does not answer within `timeout`.
    public func watermarks(
        topic: String, partitions: [Int32], timeout: Duration = .seconds(10)
    ) async throws(KafkaError) -> [Int32: KafkaWatermarks] {
        let client = self.client
        return try await BlockingCall.run(name: "flywheel.kafka.watermarks") { () throws(KafkaError) in
            var result: [Int32: KafkaWatermarks] = [:]
            for partition in partitions {
                var low: Int64 = 0, high: Int64 = 0
                let err = rd_kafka_query_watermark_offsets(
                    client.handle, topic, partition, &low, &high, Int32(clamping: timeout.milliseconds))
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    throw KafkaError.from(err, code: .client, context: "reading the watermarks of \(topic)[\(partition)]")
                }
                result[partition] = KafkaWatermarks(low: low, high: high)
            }
            return result
        }
    }

    /// The group's committed offsets for `partitions` (`rd_kafka_committed`).
    /// - Returns: for each partition, the committed next offset, or a negative logical offset when none.
    public func committedOffsets(
        for partitions: [KafkaTopicPartition],
        timeout: Duration = .seconds(10)
    ) async throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        let client = self.client
        return try await BlockingCall.run(name: "flywheel.kafka.committed") { () throws(KafkaError) in
            let list = RDKafkaTopicPartitionList(
                partitions.map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: -1001) }
            )
            let err = rd_kafka_committed(client.handle, list.pointer, Int32(clamping: timeout.milliseconds))
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError.from(err, code: .client, context: "reading committed offsets")
            }
            var result: [KafkaTopicPartition: Int64] = [:]
            for position in RDKafkaTopicPartitionList.positions(in: list.pointer) {
                result[position.topicPartition] = position.offset
            }
            return result
        }
    }
}

// MARK: - KafkaWatermarks

/// A partition's watermarks.
public struct KafkaWatermarks: Sendable, Hashable {
    /// The first offset the partition still keeps.
    public var low: Int64
    /// The offset the next record will get (one past the last).
    public var high: Int64

    /// Makes watermarks.
    public init(low: Int64, high: Int64) {
        self.low = low
        self.high = high
    }
}
