// MARK: - PartitionRestorer

/// What a role does when input partitions are newly assigned to its process (at start, or when a rebalance moves
/// them here from another member): before the first batch holding their records is handled, ``restore`` reads what
/// the role needs from Kafka and returns a change to apply to the core. The feedback role uses it to learn which
/// requests of those partitions were already joined (``JoinedRequests``), so re-reading waiting records does not
/// publish their examples a second time.
public struct PartitionRestorer<Role: StreamRole>: Sendable {
    /// A change to the core, applied under its lock with the time of the batch.
    public typealias Change = @Sendable (inout Role, BatchTime<Role.Instant>) -> Void

    /// Reads what the new partitions need and returns the change to make; an error ends the role's service.
    public var restore: @Sendable ([NewPartition]) async throws -> Change

    /// Makes a restorer.
    public init(restore: @escaping @Sendable ([NewPartition]) async throws -> Change) {
        self.restore = restore
    }
}

// MARK: - NewPartition

/// An input partition newly assigned to this process, and the first record read from it.
public struct NewPartition: Sendable, Hashable {
    /// The topic.
    public var topic: String
    /// The partition.
    public var partition: Int32
    /// The first record's offset (the group's committed position).
    public var firstOffset: Int64
    /// The first record's timestamp (milliseconds since 1970), if it has one.
    public var firstTimestampMilliseconds: Int64?

    /// Makes a new-partition record.
    public init(topic: String, partition: Int32, firstOffset: Int64, firstTimestampMilliseconds: Int64?) {
        self.topic = topic
        self.partition = partition
        self.firstOffset = firstOffset
        self.firstTimestampMilliseconds = firstTimestampMilliseconds
    }
}
