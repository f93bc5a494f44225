import KafkaTransport
import Logging

// MARK: - JoinedRequests

/// Reads which requests have an example on the examples topic already — the topic is the join's changelog — so a
/// feedback process that takes over partitions (after a restart or a rebalance) and reads their waiting records
/// again does not publish those examples a second time.
public enum JoinedRequests {
    /// The request ids (record keys) of the last `count` examples in each of `partitions` of `topic`, read up to
    /// the partitions' ends as they are now.
    /// - Parameters:
    ///   - consumer: a consumer not yet assigned or run (it may have been asked for metadata); this call assigns,
    ///     runs and stops it, so it cannot be used again.
    ///   - timeout: how long to read before giving up with what was read (a warning is logged; examples not read
    ///     may then be published again).
    /// - Throws: ``KafkaTransport/KafkaError`` when the topic cannot be looked up.
    public static func requestIDs(
        topic: String, partitions: [Int32], last count: Int64, using consumer: KafkaConsumer,
        timeout: Duration = .seconds(60), logger: Logger
    ) async throws -> Set<String> {
        let watermarks = try await consumer.watermarks(topic: topic, partitions: partitions)
        var ends: [Int32: Int64] = [:]
        var positions: [KafkaTopicPartitionOffset] = []
        for partition in partitions {
            guard let marks = watermarks[partition], marks.low < marks.high else { continue }
            positions.append(KafkaTopicPartitionOffset(topic: topic, partition: partition, offset: max(marks.low, marks.high - count)))
            ends[partition] = marks.high
        }
        guard !positions.isEmpty else { return [] }
        try await consumer.assign(positions)
        let targets = ends
        return try await withThrowingTaskGroup(of: Set<String>?.self) { group in
            group.addTask {
                try await consumer.run()
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                consumer.requestStop()
                return nil
            }
            group.addTask {
                var ids: Set<String> = []
                var left = targets
                for await batch in consumer.messages {
                    for message in batch {
                        if let key = message.key { ids.insert(String(decoding: key, as: UTF8.self)) }
                        if let end = left[message.partition], message.offset + 1 >= end { left[message.partition] = nil }
                    }
                    if left.isEmpty { break }
                }
                if !left.isEmpty {
                    logger.warning("Gave up reading joined requests before the end; some examples may be published again", metadata: [
                        "kafka.topic": "\(topic)", "flywheel.partitions.unread": "\(left.keys.sorted())",
                    ])
                }
                consumer.requestStop()
                return ids
            }
            var result: Set<String> = []
            while let value = try await group.next() {
                if let value {
                    result = value
                    group.cancelAll()  // the watchdog
                }
            }
            return result
        }
    }
}
