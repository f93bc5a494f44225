import FlywheelEvents

// MARK: - JoinState

/// Joins predictions with labels by request id, whichever comes first, within a window: a plain value driven by
/// events and by the time passed in, so tests replay it exactly.
///
/// A prediction waits up to ``window`` for its label and a label up to ``window`` for its prediction; what is still
/// unmatched then is dropped and counted (``Counters/unlabeledPredictions``, ``Counters/orphanedLabels``). The last
/// ``recentJoins`` requests joined are remembered (``RecentJoins``: fingerprints in a fixed ring, so memory stays
/// flat however long it runs), so a prediction or label delivered again (after a crash) is counted as a duplicate
/// instead of being joined twice.
///
/// Expiry looks only at the deadlines that have passed (a queue in the order they were set), so a large backlog of
/// waiting requests costs nothing per batch.
/// - Precondition: `now` never goes backwards between calls (pass a monotonic clock's instants).
public struct JoinState<Instant: InstantProtocol<Duration>>: Sendable where Instant: Sendable {
    /// What the join has done so far.
    public struct Counters: Sendable, Hashable, Codable {
        /// Examples emitted.
        public var joined = 0
        /// Predictions whose label never came within the window.
        public var unlabeledPredictions = 0
        /// Labels whose prediction never came within the window (or that came too late).
        public var orphanedLabels = 0
        /// Predictions or labels seen again for a request already joined (or already waiting), ignored.
        public var duplicates = 0
        /// Of those, labels (each label ends as joined, orphaned, duplicate or dead-lettered).
        public var duplicateLabels = 0

        /// All zero.
        public init() {}
    }

    /// How long either side waits for the other.
    public let window: Duration
    /// The counters.
    public private(set) var counters = Counters()

    private var predictions: [String: (event: PredictionEvent, expires: Instant)] = [:]
    private var labels: [String: (event: LabelEvent, expires: Instant, partition: Int32)] = [:]
    /// How many labels wait, by the input partition they came from (no entry: none).
    public private(set) var waitingLabelsByPartition: [Int32: Int] = [:]
    private var joined: RecentJoins
    /// Every deadline set, in the order set. The window is fixed and time does not go back, so deadlines come out
    /// in order and ``expire(at:)`` only looks at the front: O(expired), not O(waiting).
    private var deadlines: [(id: String, kind: Side, expires: Instant)] = []
    private var deadlinesHead = 0

    private enum Side { case prediction, label }

    /// How many joined request ids are remembered.
    public var recentJoins: Int { joined.capacity }

    /// Makes an empty join remembering the last `recentJoins` joined ids.
    public init(window: Duration, recentJoins: Int = LoopDefaults.recentRequests) {
        precondition(window > .zero, "A join window must be positive, not \(window).")
        self.window = window
        joined = RecentJoins(capacity: recentJoins)
    }

    /// Notes that request `id` was joined elsewhere (its example is on the examples topic already): a prediction
    /// or label of it read again is a duplicate, not joined a second time; if one of its halves is waiting here, it
    /// no longer waits.
    public mutating func markJoined(_ id: String, at now: Instant) {
        predictions[id] = nil
        if let label = labels.removeValue(forKey: id) { stoppedWaiting(label.partition) }
        joined.insert(id)
    }

    /// Whether the prediction for request `id` is waiting for its label.
    public func isWaiting(predictionFor id: String) -> Bool { predictions[id] != nil }

    /// Whether the label of request `id` is waiting for its prediction.
    public func isWaiting(labelFor id: String) -> Bool { labels[id] != nil }

    /// How many deadlines are queued: about the number waiting, not one per request of the window (see
    /// ``expire(at:)``).
    public var queuedDeadlines: Int { deadlines.count - deadlinesHead }

    /// How many predictions and labels are waiting.
    public var pending: (predictions: Int, labels: Int) { (predictions.count, labels.count) }

    /// The predictions waiting for their labels now, in no particular order.
    public var waitingPredictions: some Collection<PredictionEvent> { predictions.values.lazy.map(\.event) }

    /// Takes a prediction; returns the joined example if its label was waiting.
    public mutating func receive(_ prediction: PredictionEvent, at now: Instant) -> JoinedExample? {
        let id = prediction.requestId
        if joined.contains(id) || predictions[id] != nil {
            counters.duplicates += 1
            return nil
        }
        if let label = labels.removeValue(forKey: id) {
            stoppedWaiting(label.partition)
            return join(prediction, label.event, at: now)
        }
        predictions[id] = (prediction, now.advanced(by: window))
        deadlines.append((id, .prediction, now.advanced(by: window)))
        return nil
    }

    /// Takes a label read from input partition `partition`; returns the joined example if its prediction was waiting.
    public mutating func receive(_ label: LabelEvent, partition: Int32 = 0, at now: Instant) -> JoinedExample? {
        let id = label.id
        if joined.contains(id) || labels[id] != nil {
            counters.duplicates += 1
            counters.duplicateLabels += 1
            return nil
        }
        if let prediction = predictions.removeValue(forKey: id) {
            return join(prediction.event, label, at: now)
        }
        labels[id] = (label, now.advanced(by: window), partition)
        waitingLabelsByPartition[partition, default: 0] += 1
        deadlines.append((id, .label, now.advanced(by: window)))
        return nil
    }

    /// Drops what has waited longer than the window, counting it.
    public mutating func expire(at now: Instant) {
        while deadlinesHead < deadlines.count, deadlines[deadlinesHead].expires <= now {
            let (id, side, expires) = deadlines[deadlinesHead]
            deadlinesHead += 1
            // An entry joined (or re-armed) since this deadline was set is no longer its to drop.
            switch side {
            case .prediction where predictions[id]?.expires == expires:
                predictions[id] = nil
                counters.unlabeledPredictions += 1
            case .label where labels[id]?.expires == expires:
                if let label = labels.removeValue(forKey: id) { stoppedWaiting(label.partition) }
                counters.orphanedLabels += 1
            default:
                break
            }
        }
        if deadlinesHead > 1024 && deadlinesHead * 2 > deadlines.count {
            deadlines.removeFirst(deadlinesHead)
            deadlinesHead = 0
        }
        compactDeadlines()
    }

    /// Drops the deadlines of entries no longer waiting (joined before their window ran out) once the queue holds
    /// four times as many as wait, and at least 65,536: otherwise it would hold one deadline per request for a whole
    /// window — 6 million at 10,000 requests/s and a 600 s window — although only about a label delay's worth of
    /// requests wait. Each pass looks every queued deadline up once; with those bounds a deadline is looked at about
    /// once in all (at twice as many and 4,096 it was 2–3 times: 4% of the feedback role at full speed).
    private mutating func compactDeadlines() {
        let queued = deadlines.count - deadlinesHead
        guard queued > 65_536, queued > 4 * (predictions.count + labels.count) else { return }
        // In place, keeping the queue's buffer (`compactInPlace`: a filtered copy made the process's RSS climb).
        deadlines.compactInPlace(droppingFirst: deadlinesHead) { entry in
            switch entry.kind {
            case .prediction: predictions[entry.id]?.expires == entry.expires
            case .label: labels[entry.id]?.expires == entry.expires
            }
        }
        deadlinesHead = 0
    }

    private mutating func stoppedWaiting(_ partition: Int32) {
        let left = (waitingLabelsByPartition[partition] ?? 1) - 1
        waitingLabelsByPartition[partition] = left > 0 ? left : nil
    }

    private mutating func join(_ prediction: PredictionEvent, _ label: LabelEvent, at now: Instant) -> JoinedExample {
        counters.joined += 1
        joined.insert(prediction.requestId)
        return JoinedExample(prediction, label: label)
    }
}
