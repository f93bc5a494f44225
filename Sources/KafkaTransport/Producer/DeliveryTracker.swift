import CRdKafka
import Synchronization

// MARK: - DeliveryTracker

/// Gives every produced message an id and routes its delivery report: to the ``KafkaProducer/deliver(_:)`` call
/// waiting for its batch, or to the report stream and counters.
///
/// Ids of one batch are contiguous, reserved under the lock, so a report finds its batch by range.
final class DeliveryTracker: Sendable {
    /// A ``KafkaProducer/deliver(_:)`` call waiting for the reports of its messages.
    private struct Waiter {
        let firstID: UInt64
        /// How many messages the batch has.
        let count: Int
        /// One report per message, pre-filled as "pending" (``KafkaDeliveryReport/pendingCode``) until it arrives.
        var reports: [KafkaDeliveryReport]
        var remaining: Int
        var continuation: CheckedContinuation<[KafkaDeliveryReport], Never>?
    }

    private struct State {
        var isClosed = false
        var nextID: UInt64 = 1
        var waiters: [Waiter] = []
        var statistics = KafkaProducerStatistics()
    }

    private let state = Mutex(State())
    private let reportContinuation: AsyncStream<KafkaDeliveryReport>.Continuation?

    /// Makes a tracker that forwards unbatched reports to `reportContinuation` when it is given.
    init(reportContinuation: AsyncStream<KafkaDeliveryReport>.Continuation?) {
        self.reportContinuation = reportContinuation
    }

    /// The counters so far.
    var statistics: KafkaProducerStatistics { state.withLock { $0.statistics } }

    /// Reserves `count` contiguous ids; with `waiting`, registers a batch waiter for them.
    /// - Returns: the first id, or `nil` once the tracker is closed (the producer has stopped).
    func reserve(_ count: Int, waiting: Bool) -> UInt64? {
        state.withLock { state in
            guard !state.isClosed else { return nil }
            let first = state.nextID
            state.nextID += UInt64(count)
            if waiting && count > 0 {
                state.waiters.append(
                    Waiter(
                        firstID: first,
                        count: count,
                        reports: (0..<count).map { KafkaDeliveryReport.pending(messageID: first + UInt64($0)) },
                        remaining: count
                    )
                )
            }
            return first
        }
    }

    /// Counts messages handed to librdkafka.
    func recordEnqueued(_ count: Int) { state.withLock { $0.statistics.enqueued += count } }

    /// Counts a wait because librdkafka's queue was full.
    func recordQueueFullWait() { state.withLock { $0.statistics.queueFullWaits += 1 } }

    /// Suspends until every report of the batch starting at `firstID` is in.
    func waitForBatch(startingAt firstID: UInt64) async -> [KafkaDeliveryReport] {
        await withCheckedContinuation { continuation in
            let finished: [KafkaDeliveryReport]? = state.withLock { state in
                guard let index = state.waiters.firstIndex(where: { $0.firstID == firstID }) else {
                    preconditionFailure("No delivery waiter for batch \(firstID); waitForBatch called twice?")
                }
                if state.waiters[index].remaining == 0 {
                    return state.waiters.remove(at: index).reports
                }
                state.waiters[index].continuation = continuation
                return nil
            }
            if let finished { continuation.resume(returning: finished) }
        }
    }

    /// Records delivery reports (from the poll thread, or made up for messages librdkafka refused).
    func complete(_ reports: [KafkaDeliveryReport]) {
        var resumptions: [(CheckedContinuation<[KafkaDeliveryReport], Never>, [KafkaDeliveryReport])] = []
        var unbatched: [KafkaDeliveryReport] = []
        state.withLock { state in
            var lastIndex: Int?
            for report in reports {
                if report.isDelivered {
                    state.statistics.delivered += 1
                } else {
                    state.statistics.failed += 1
                }
                // Reports of one event mostly belong to one batch: try the last match first. Only the scalar
                // fields are read here, so no waiter (and its report array) is copied per report.
                let id = report.messageID
                let index: Int
                if let last = lastIndex, last < state.waiters.count, id >= state.waiters[last].firstID,
                    id < state.waiters[last].firstID + UInt64(state.waiters[last].count)
                {
                    index = last
                } else if let found = state.waiters.firstIndex(where: {
                    id >= $0.firstID && id < $0.firstID + UInt64($0.count)
                }) {
                    index = found
                } else {
                    unbatched.append(report)
                    continue
                }
                lastIndex = index
                state.waiters[index].reports[Int(report.messageID - state.waiters[index].firstID)] = report
                state.waiters[index].remaining -= 1
                if state.waiters[index].remaining == 0, let continuation = state.waiters[index].continuation {
                    let waiter = state.waiters.remove(at: index)
                    resumptions.append((continuation, waiter.reports))
                }
            }
        }
        for (continuation, batch) in resumptions { continuation.resume(returning: batch) }
        if let reportContinuation {
            for report in unbatched { reportContinuation.yield(report) }
        }
    }

    /// Stops accepting messages, fails every report still missing with `code`, and ends the report stream.
    /// Called when the producer's event loop ends, so no ``KafkaProducer/deliver(_:)`` waits forever.
    func close(failingPendingWith code: KafkaResponseCode) {
        let resumptions: [(CheckedContinuation<[KafkaDeliveryReport], Never>, [KafkaDeliveryReport])] =
            state.withLock { state in
                state.isClosed = true
                var resumptions: [(CheckedContinuation<[KafkaDeliveryReport], Never>, [KafkaDeliveryReport])] = []
                for index in state.waiters.indices {
                    let firstID = state.waiters[index].firstID
                    for slot in state.waiters[index].reports.indices
                    where state.waiters[index].reports[slot].error == KafkaDeliveryReport.pendingCode {
                        state.waiters[index].reports[slot] = KafkaDeliveryReport(
                            messageID: firstID + UInt64(slot), partition: -1, offset: nil, error: code
                        )
                    }
                    state.statistics.failed += state.waiters[index].remaining
                    state.waiters[index].remaining = 0
                }
                // Waiters already suspended are resumed now; the others find their reports complete when they wait.
                state.waiters.removeAll { waiter in
                    guard let continuation = waiter.continuation else { return false }
                    resumptions.append((continuation, waiter.reports))
                    return true
                }
                return resumptions
            }
        for (continuation, reports) in resumptions { continuation.resume(returning: reports) }
        reportContinuation?.finish()
    }
}

// MARK: - KafkaProducerStatistics

/// Counters of one producer since it was made.
public struct KafkaProducerStatistics: Sendable, Hashable {
    /// Messages handed to librdkafka.
    public var enqueued = 0
    /// Messages the broker acknowledged.
    public var delivered = 0
    /// Messages that failed (refused at once or reported failed).
    public var failed = 0
    /// Times `send`/`deliver` waited because librdkafka's queue was full (`queue.buffering.max.messages`).
    public var queueFullWaits = 0
}

extension KafkaDeliveryReport {
    /// The placeholder code of a report that has not arrived yet (`RD_KAFKA_RESP_ERR__IN_PROGRESS`); never handed
    /// to callers.
    static let pendingCode = KafkaResponseCode(rawValue: RD_KAFKA_RESP_ERR__IN_PROGRESS.rawValue)

    /// A placeholder for the report of message `messageID`.
    static func pending(messageID: UInt64) -> KafkaDeliveryReport {
        KafkaDeliveryReport(messageID: messageID, partition: -1, offset: nil, error: pendingCode)
    }
}
