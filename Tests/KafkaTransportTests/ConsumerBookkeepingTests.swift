@testable import KafkaTransport
import Testing

/// The consumer's offset bookkeeping as a plain value, without Kafka.
@Suite("Consumer bookkeeping")
struct ConsumerBookkeepingTests {
    let partition0 = KafkaTopicPartition(topic: "t", partition: 0)
    let partition1 = KafkaTopicPartition(topic: "t", partition: 1)

    func messages(_ partition: Int32, _ offsets: ClosedRange<Int64>) -> [KafkaConsumerMessage] {
        offsets.map { KafkaConsumerMessage(topic: "t", partition: partition, offset: $0, key: nil, value: []) }
    }

    @Test func revocationCommitsWhatWasStoredAndCountsTheRest() {
        var state = ConsumerGroupState.Bookkeeping()
        state.assigned([partition0, partition1])
        let handed = state.handOut(messages(0, 0...9) + messages(1, 100...104), polledAt: state.generation)
        #expect(handed.count == 15)
        state.stored([.init(topic: "t", partition: 0, offset: 6)])  // 0...5 processed
        let revocation = state.revoking([partition0, partition1])
        #expect(revocation.offsetsToCommit == [.init(topic: "t", partition: 0, offset: 6)])
        #expect(revocation.uncommittedIfCommitSucceeds == 4 + 5)  // 6...9, and all of partition 1
        #expect(revocation.uncommittedIfCommitFails == 10 + 5)  // nothing confirmed committed yet
        state.revoked(revocation, commitSucceeded: true)
        #expect(state.statistics.uncommittedAtRevocation == 9)
        #expect(state.assignment.isEmpty)
    }

    @Test func failedCommitCountsFromTheLastConfirmedCommit() {
        var state = ConsumerGroupState.Bookkeeping()
        state.assigned([partition0])
        _ = state.handOut(messages(0, 0...19), polledAt: state.generation)
        state.stored([.init(topic: "t", partition: 0, offset: 10)])
        state.committed([.init(topic: "t", partition: 0, offset: 8)])
        state.stored([.init(topic: "t", partition: 0, offset: 15)])
        let revocation = state.revoking([partition0])
        state.revoked(revocation, commitSucceeded: false)
        #expect(state.statistics.uncommittedAtRevocation == 20 - 8)
        #expect(state.statistics.commitFailures == 1)
    }

    @Test func batchesPolledBeforeARevocationAreDroppedForRevokedPartitionsOnly() {
        var state = ConsumerGroupState.Bookkeeping()
        state.assigned([partition0, partition1])
        let before = state.generation
        _ = state.revoking([partition0])  // cooperative: only partition 0 goes
        let handed = state.handOut(messages(0, 0...4) + messages(1, 0...4), polledAt: before)
        #expect(handed.map(\.partition) == [1, 1, 1, 1, 1])
        #expect(state.statistics.staleMessagesDropped == 5)
        // A batch polled after the revocation is handed out in full.
        state.assigned([partition0])
        #expect(state.handOut(messages(0, 5...6), polledAt: state.generation).count == 2)
    }

    @Test func storedOffsetsNeverMoveBackwards() {
        var state = ConsumerGroupState.Bookkeeping()
        state.assigned([partition0])
        _ = state.handOut(messages(0, 0...9), polledAt: state.generation)
        state.stored([.init(topic: "t", partition: 0, offset: 8)])
        state.stored([.init(topic: "t", partition: 0, offset: 3)])
        #expect(state.revoking([partition0]).offsetsToCommit.first?.offset == 8)
    }
}

@Suite("Consumer generations")
struct ConsumerGenerationTests {
    /// The lock-free generation the poll loop reads follows every revocation made under the lock.
    @Test func generationMirrorFollowsRevocations() {
        let state = ConsumerGroupState()
        let partition = KafkaTopicPartition(topic: "t", partition: 0)
        #expect(state.generation == 0)
        state.withLock { $0.assigned([partition]) }
        #expect(state.generation == 0)
        _ = state.withLock { $0.revoking([partition]) }
        #expect(state.generation == 1)
    }
}
