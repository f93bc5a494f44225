import Synchronization

// MARK: - ConsumerGroupState

/// A consumer's view of its assignment and offsets: what it handed to the application, what the application marked
/// processed, and what must be committed when partitions are revoked.
///
/// Shared by the poll thread (rebalance callback), the message iterator and ``KafkaConsumer/storeOffsets(for:)``;
/// all state is behind one `Mutex`. The decisions are plain-value methods on ``Bookkeeping`` so they can be tested
/// without Kafka.
final class ConsumerGroupState: Sendable {
    /// The mutable part, a plain value.
    struct Bookkeeping: Sendable {
        /// Bumped at every revocation; batches polled under an older generation may hold revoked partitions.
        var generation: UInt64 = 0
        /// For each partition ever revoked, the generation its last revocation started.
        var revokedAtGeneration: [KafkaTopicPartition: UInt64] = [:]
        /// The partitions currently assigned.
        var assignment: Set<KafkaTopicPartition> = []
        /// Per partition: the first offset handed to the application in this assignment.
        var firstHandedOut: [KafkaTopicPartition: Int64] = [:]
        /// Per partition: one past the last offset handed to the application.
        var handedOutNext: [KafkaTopicPartition: Int64] = [:]
        /// Per partition: the next offset to consume according to what the application stored.
        var storedNext: [KafkaTopicPartition: Int64] = [:]
        /// Per partition: the next offset to consume according to the last commit the broker confirmed.
        var committedNext: [KafkaTopicPartition: Int64] = [:]
        /// Counters.
        var statistics = KafkaConsumerStatistics()

        /// Filters out records of partitions revoked after the batch was polled (their fetch position was reset, so
        /// they will be fetched again from the committed offset) and records what is handed out.
        mutating func handOut(_ messages: [KafkaConsumerMessage], polledAt batchGeneration: UInt64)
            -> [KafkaConsumerMessage]
        {
            var result = messages
            if batchGeneration < generation {
                // A revocation happened since this batch was polled: drop what belongs to revoked partitions.
                result = messages.filter { message in
                    let partition = KafkaTopicPartition(topic: message.topic, partition: message.partition)
                    guard let revoked = revokedAtGeneration[partition], revoked > batchGeneration else { return true }
                    return false
                }
                statistics.staleMessagesDropped += messages.count - result.count
            }
            // Record per run of one partition (batches are runs of consecutive offsets), not per record.
            var start = 0
            while start < result.count {
                var end = start
                while end + 1 < result.count, result[end + 1].partition == result[start].partition,
                    result[end + 1].topic == result[start].topic
                {
                    end += 1
                }
                let partition = KafkaTopicPartition(topic: result[start].topic, partition: result[start].partition)
                if firstHandedOut[partition] == nil { firstHandedOut[partition] = result[start].offset }
                handedOutNext[partition] = max(handedOutNext[partition] ?? 0, result[end].offset + 1)
                start = end + 1
            }
            statistics.messagesHandedOut += result.count
            return result
        }

        /// Records offsets the application stored (next offset to consume, per partition).
        mutating func stored(_ positions: [KafkaTopicPartitionOffset]) {
            for position in positions {
                let partition = position.topicPartition
                storedNext[partition] = max(storedNext[partition] ?? position.offset, position.offset)
            }
            statistics.offsetStores += 1
        }

        /// Records a new assignment; tracking for these partitions starts afresh.
        mutating func assigned(_ partitions: [KafkaTopicPartition]) {
            for partition in partitions {
                assignment.insert(partition)
                firstHandedOut[partition] = nil
                handedOutNext[partition] = nil
                storedNext[partition] = nil
                committedNext[partition] = nil
            }
            statistics.assignments += 1
        }

        /// Records offsets the broker confirmed as committed.
        mutating func committed(_ positions: [KafkaTopicPartitionOffset]) {
            for position in positions where position.offset >= 0 {
                let partition = position.topicPartition
                committedNext[partition] = max(committedNext[partition] ?? position.offset, position.offset)
            }
        }

        /// Starts a revocation: the partitions leave the assignment and batches polled before now are stale for them.
        /// - Returns: what to commit before they go, and what is at stake if that commit fails.
        mutating func revoking(_ partitions: [KafkaTopicPartition]) -> Revocation {
            generation += 1
            var revocation = Revocation()
            for partition in partitions {
                revokedAtGeneration[partition] = generation
                if let next = handedOutNext[partition], let first = firstHandedOut[partition] {
                    let stored = max(storedNext[partition] ?? first, first)
                    let committed = max(committedNext[partition] ?? first, first)
                    revocation.uncommittedIfCommitSucceeds += Int(max(0, next - stored))
                    revocation.uncommittedIfCommitFails += Int(max(0, next - committed))
                }
                if let stored = storedNext[partition] {
                    revocation.offsetsToCommit.append(
                        KafkaTopicPartitionOffset(topic: partition.topic, partition: partition.partition, offset: stored)
                    )
                }
                assignment.remove(partition)
                firstHandedOut[partition] = nil
                handedOutNext[partition] = nil
                storedNext[partition] = nil
                committedNext[partition] = nil
            }
            statistics.revocations += 1
            return revocation
        }

        /// Finishes a revocation once the commit of its offsets succeeded or failed, counting what the next owner may
        /// see again.
        mutating func revoked(_ revocation: Revocation, commitSucceeded: Bool) {
            if commitSucceeded {
                statistics.uncommittedAtRevocation += revocation.uncommittedIfCommitSucceeds
            } else {
                statistics.uncommittedAtRevocation += revocation.uncommittedIfCommitFails
                statistics.commitFailures += 1
            }
        }
    }

    /// What a revocation must commit, and how many handed-out records the next owner may see again.
    struct Revocation: Sendable {
        /// The stored positions of the revoked partitions.
        var offsetsToCommit: [KafkaTopicPartitionOffset] = []
        /// Records handed out but not stored.
        var uncommittedIfCommitSucceeds = 0
        /// Records handed out but not confirmed committed.
        var uncommittedIfCommitFails = 0
    }

    private let state = Mutex(Bookkeeping())
    /// A lock-free copy of ``Bookkeeping/generation`` for the poll loop, which checks it after every poll.
    private let generationMirror = Atomic<UInt64>(0)

    /// Makes empty state.
    init() {}

    /// The current generation (bumped by every revocation), read without taking the lock.
    var generation: UInt64 { generationMirror.load(ordering: .acquiring) }

    /// Runs `body` with exclusive access to the bookkeeping.
    func withLock<T: Sendable>(_ body: (inout Bookkeeping) -> T) -> T {
        state.withLock { state in
            let result = body(&state)
            generationMirror.store(state.generation, ordering: .releasing)
            return result
        }
    }
}

// MARK: - KafkaConsumerStatistics

/// Counters of one consumer since it was made.
public struct KafkaConsumerStatistics: Sendable, Hashable {
    /// Records handed to the application.
    public var messagesHandedOut = 0
    /// Records polled before a revocation of their partition and dropped instead of handed out (they are fetched
    /// again by whoever owns the partition next).
    public var staleMessagesDropped = 0
    /// Calls that stored offsets.
    public var offsetStores = 0
    /// Assignments received (rebalances that gave this member partitions, or manual assigns).
    public var assignments = 0
    /// Revocations.
    public var revocations = 0
    /// Records handed out but not yet committed when their partition was revoked: the most that the next owner can
    /// see again (the at-least-once duplicate bound). When the commit at revocation succeeds this is what was handed
    /// out but not stored; when it fails (e.g. the broker answers REBALANCE_IN_PROGRESS) it is what was handed out
    /// since the last confirmed commit.
    public var uncommittedAtRevocation = 0
    /// Commits (on revocation or requested) that failed.
    public var commitFailures = 0
    /// Errors librdkafka reported through the poll (other than end-of-partition).
    public var pollErrors = 0
}
