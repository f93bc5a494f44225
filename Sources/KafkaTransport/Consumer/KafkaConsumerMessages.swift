import Dispatch

// MARK: - KafkaConsumerMessages

/// The batches a ``KafkaConsumer`` hands to the application: an `AsyncSequence` that can be iterated once.
///
/// Records of partitions revoked after they were polled are dropped here instead of handed out; the partition's next
/// owner reads them from the committed offset.
public struct KafkaConsumerMessages: AsyncSequence, Sendable {
    /// A batch of records, in offset order within each partition.
    public typealias Element = [KafkaConsumerMessage]

    let stream: AsyncStream<PolledBatch>
    let state: ConsumerGroupState
    let slots: BatchSlots

    /// Makes the iterator; call once.
    public func makeAsyncIterator() -> Iterator {
        Iterator(base: stream.makeAsyncIterator(), state: state, slots: slots)
    }

    /// Iterates batches.
    public struct Iterator: AsyncIteratorProtocol {
        var base: AsyncStream<PolledBatch>.Iterator
        let state: ConsumerGroupState
        let slots: BatchSlots

        /// The next non-empty batch, or `nil` once the consumer has closed.
        public mutating func next() async -> [KafkaConsumerMessage]? {
            while let batch = await base.next() {
                slots.give()  // room for the poll thread to fetch one more batch
                let current = state.withLock { state in
                    if batch.segments.count == 1 {
                        return state.handOut(batch.messages, polledAt: batch.segments[0].generation)
                    }
                    var handed: [KafkaConsumerMessage] = []
                    for (index, segment) in batch.segments.enumerated() {
                        let end = index + 1 < batch.segments.count ? batch.segments[index + 1].start : batch.messages.count
                        let slice = Array(batch.messages[segment.start..<end])
                        handed += state.handOut(slice, polledAt: segment.generation)
                    }
                    return handed
                }
                if !current.isEmpty { return current }
            }
            return nil
        }
    }
}
