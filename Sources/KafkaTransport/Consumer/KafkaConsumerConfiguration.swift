// MARK: - KafkaConsumerConfiguration

/// How a ``KafkaConsumer`` reads. Defaults give at-least-once processing: Flywheel stores an offset only after the
/// application says a message is processed (``KafkaConsumer/storeOffsets(for:)``), and commits stored offsets
/// periodically, before partitions are revoked, and on close.
public struct KafkaConsumerConfiguration: Sendable, Equatable {
    /// Where the cluster is and any pass-through properties.
    public var client: KafkaClientConfiguration
    /// The consumer group. `group.id`. Default: `flywheel` (required by Kafka for commits even with manual assignment).
    public var groupID: String
    /// Where to start when the group has no committed offset: `earliest`, `latest` or `error`.
    /// `auto.offset.reset`. Default: `earliest`.
    public var autoOffsetReset: String
    /// Whether stored offsets are committed in the background. `enable.auto.commit`. Default: `true`.
    /// Offsets are never stored automatically (`enable.auto.offset.store=false`), so only processed messages count.
    public var isAutoCommitEnabled: Bool
    /// How often stored offsets are committed in the background. `auto.commit.interval.ms`. Default: 5 s.
    public var autoCommitInterval: Duration
    /// How long the group waits for a silent member before rebalancing. `session.timeout.ms`. Default: 45 s.
    public var sessionTimeout: Duration
    /// How often the member heartbeats. `heartbeat.interval.ms`. Default: 3 s.
    public var heartbeatInterval: Duration
    /// The longest gap between polls before the member is considered stuck. `max.poll.interval.ms`. Default: 300 s.
    public var maximumPollInterval: Duration
    /// How partitions are shared out: `range,roundrobin` (eager) or `cooperative-sticky`.
    /// `partition.assignment.strategy`. Default: `range,roundrobin`.
    public var partitionAssignmentStrategy: String
    /// `read_committed` hides aborted transactional records (on real clusters). `isolation.level`.
    /// Default: `read_committed`.
    public var isolationLevel: String
    /// How many fetched messages librdkafka may hold before it stops fetching. `queued.min.messages`.
    /// Default: 1,000,000 (librdkafka's is 100,000).
    ///
    /// librdkafka 2.0.2 compares this with the consumer's *shared* queue, so once it is exceeded every partition
    /// leaves the fetch list, and they come back only when the broker thread next wakes, up to 1 s later. With
    /// 100,000, reading 200,000 messages of 200 B stalled for 0.8–1.0 s near the end in half the runs of
    /// `flywheel-bench kafka`. Memory stays bounded by `queued.max.messages.kbytes` (64 MB by default).
    public var maximumQueuedMessages: Int
    /// The most messages handed to the application in one batch. Default: 1,000.
    public var maximumBatchSize: Int
    /// How many batches may wait between the poll thread and the application before polling pauses
    /// (back-pressure). Default: 8.
    public var bufferedBatches: Int
    /// How long one blocking poll waits for a message before checking for shutdown. Default: 100 ms.
    public var pollTimeout: Duration
    /// Whether records' headers are copied into ``KafkaConsumerMessage/headers``. Default: `true`.
    ///
    /// librdkafka parses a record's headers only when asked, and then allocates a header list for every record,
    /// even one with no headers (a version-2 record always carries a header count). Asking took ~12% of the
    /// consumer's CPU in `flywheel-bench kafka`. Turn it off when the application ignores headers, as Flywheel's
    /// loop does; records then arrive with no headers.
    public var readsHeaders: Bool

    /// Makes a consumer configuration with the defaults above.
    /// - Parameters:
    ///   - client: where the cluster is.
    ///   - groupID: `group.id`.
    public init(client: KafkaClientConfiguration, groupID: String = "flywheel") {
        self.client = client
        self.groupID = groupID
        self.autoOffsetReset = "earliest"
        self.isAutoCommitEnabled = true
        self.autoCommitInterval = .seconds(5)
        self.sessionTimeout = .seconds(45)
        self.heartbeatInterval = .seconds(3)
        self.maximumPollInterval = .seconds(300)
        self.partitionAssignmentStrategy = "range,roundrobin"
        self.isolationLevel = "read_committed"
        self.maximumQueuedMessages = 1_000_000
        self.maximumBatchSize = 1000
        self.bufferedBatches = 8
        self.pollTimeout = .milliseconds(100)
        self.readsHeaders = true
    }

    /// Checks the settings that are Flywheel's own rather than librdkafka's.
    func validate() throws(KafkaError) {
        if maximumBatchSize < 1 {
            throw KafkaError(code: .invalidConfiguration, reason: "consumer maximumBatchSize must be at least 1")
        }
        if bufferedBatches < 1 {
            throw KafkaError(code: .invalidConfiguration, reason: "consumer bufferedBatches must be at least 1")
        }
    }

    /// All librdkafka properties for this consumer, in the order they are applied.
    var librdkafkaProperties: [(String, String)] {
        var result = client.typedProperties
        result.append(("group.id", groupID))
        result.append(("auto.offset.reset", autoOffsetReset))
        result.append(("enable.auto.commit", isAutoCommitEnabled ? "true" : "false"))
        result.append(("auto.commit.interval.ms", String(autoCommitInterval.milliseconds)))
        result.append(("session.timeout.ms", String(sessionTimeout.milliseconds)))
        result.append(("heartbeat.interval.ms", String(heartbeatInterval.milliseconds)))
        result.append(("max.poll.interval.ms", String(maximumPollInterval.milliseconds)))
        result.append(("partition.assignment.strategy", partitionAssignmentStrategy))
        result.append(("isolation.level", isolationLevel))
        result.append(("queued.min.messages", String(maximumQueuedMessages)))
        result.append(contentsOf: client.properties.sorted { $0.key < $1.key })
        // Last, so no pass-through property can turn it back on: offsets are stored only for processed messages.
        result.append(("enable.auto.offset.store", "false"))
        return result
    }
}
