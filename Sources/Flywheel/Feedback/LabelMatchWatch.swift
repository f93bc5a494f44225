// MARK: - LabelMatchWatch

/// Which labels found their prediction, for the label guard's unknown-id rule: a label that joins when it arrives has
/// matched; one that waits is given `horizon` more predictions on its partition (labels and predictions are
/// co-partitioned by request id, and a request's prediction is written before its label can exist) — if it still
/// waits then, it names a request no prediction was seen for. One that joined meanwhile matched late.
struct LabelMatchWatch: Sendable {
    /// A waiting label and the prediction count of its partition at which it is judged.
    private struct Pending: Sendable {
        var id: String
        var due: Int
    }

    /// Predictions read on a label's partition after it, past which a still-waiting label counts as unmatched.
    let horizon: Int
    private var predictionsRead: [Int32: Int] = [:]
    private var pending: [Int32: [Pending]] = [:]
    private var heads: [Int32: Int] = [:]

    /// Watches labels with the given horizon (positive).
    init(horizon: Int) {
        precondition(horizon > 0, "the label match horizon must be positive")
        self.horizon = horizon
    }

    /// A label that did not join when it arrived, on `partition`.
    mutating func labelWaiting(_ id: String, partition: Int32) {
        pending[partition, default: []].append(Pending(id: id, due: predictionsRead[partition, default: 0] + horizon))
    }

    /// Counts a prediction read on `partition`.
    /// - Returns: for each label whose horizon ended, whether it matched (is no longer waiting).
    mutating func predictionRead(partition: Int32, isWaiting: (String) -> Bool) -> [Bool] {
        let count = predictionsRead[partition, default: 0] + 1
        predictionsRead[partition] = count
        guard var queue = pending.removeValue(forKey: partition) else { return [] }
        var head = heads[partition, default: 0]
        var resolved: [Bool] = []
        while head < queue.count, queue[head].due <= count {
            resolved.append(!isWaiting(queue[head].id))
            head += 1
        }
        if head > 1024 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
        if head < queue.count { pending[partition] = queue } else { head = 0 }
        heads[partition] = head
        return resolved
    }
}
