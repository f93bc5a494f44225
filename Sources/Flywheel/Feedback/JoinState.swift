import FlywheelEvents

// MARK: - JoinState

/// Joins predictions with labels by request id, whichever comes first, within a window: a plain value driven by
/// events and by the time passed in, so tests replay it exactly.
///
/// A prediction waits up to ``window`` for its label and a label up to ``window`` for its prediction; what is still
/// unmatched then is dropped and counted (``Counters/unlabeledPredictions``, ``Counters/orphanedLabels``). A request
/// joined once is remembered for another window, so a prediction or label delivered again (after a crash) is
/// counted as a duplicate instead of being joined twice.
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
    private var labels: [String: (event: LabelEvent, expires: Instant)] = [:]
    private var joined: [String: Instant] = [:]
    /// Every deadline set, in the order set. The window is fixed and time does not go back, so deadlines come out
    /// in order and ``expire(at:)`` only looks at the front: O(expired), not O(waiting).
    private var deadlines: [(id: String, kind: Side, expires: Instant)] = []
    private var deadlinesHead = 0

    private enum Side { case prediction, label, joined }

    /// Makes an empty join.
    public init(window: Duration) {
        precondition(window > .zero, "A join window must be positive, not \(window).")
        self.window = window
    }

    /// The state to save.
    public var snapshot: JoinSnapshot {
        JoinSnapshot(
            joined: counters.joined, unlabeledPredictions: counters.unlabeledPredictions,
            orphanedLabels: counters.orphanedLabels, duplicates: counters.duplicates, duplicateLabels: counters.duplicateLabels,
            predictions: predictions.values.map(\.event).sorted { $0.requestId < $1.requestId },
            labels: labels.values.map(\.event).sorted { $0.id < $1.id }, joinedIDs: joined.keys.sorted())
    }

    /// A join restored from a snapshot at `now`: every entry waits a full window from now.
    public init(window: Duration, restoring snapshot: JoinSnapshot, at now: Instant) {
        self.init(window: window)
        counters.joined = snapshot.joined
        counters.unlabeledPredictions = snapshot.unlabeledPredictions
        counters.orphanedLabels = snapshot.orphanedLabels
        counters.duplicates = snapshot.duplicates
        counters.duplicateLabels = snapshot.duplicateLabels ?? 0
        let expires = now.advanced(by: window)
        for prediction in snapshot.predictions {
            predictions[prediction.requestId] = (prediction, expires)
            deadlines.append((prediction.requestId, .prediction, expires))
        }
        for label in snapshot.labels {
            labels[label.id] = (label, expires)
            deadlines.append((label.id, .label, expires))
        }
        for id in snapshot.joinedIDs {
            joined[id] = expires
            deadlines.append((id, .joined, expires))
        }
    }

    /// How many predictions and labels are waiting.
    public var pending: (predictions: Int, labels: Int) { (predictions.count, labels.count) }

    /// Takes a prediction; returns the joined example if its label was waiting.
    public mutating func receive(_ prediction: PredictionEvent, at now: Instant) -> JoinedExample? {
        let id = prediction.requestId
        if joined[id] != nil || predictions[id] != nil {
            counters.duplicates += 1
            return nil
        }
        if let label = labels.removeValue(forKey: id) {
            return join(prediction, label.event, at: now)
        }
        predictions[id] = (prediction, now.advanced(by: window))
        deadlines.append((id, .prediction, now.advanced(by: window)))
        return nil
    }

    /// Takes a label; returns the joined example if its prediction was waiting.
    public mutating func receive(_ label: LabelEvent, at now: Instant) -> JoinedExample? {
        let id = label.id
        if joined[id] != nil || labels[id] != nil {
            counters.duplicates += 1
            counters.duplicateLabels += 1
            return nil
        }
        if let prediction = predictions.removeValue(forKey: id) {
            return join(prediction.event, label, at: now)
        }
        labels[id] = (label, now.advanced(by: window))
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
                labels[id] = nil
                counters.orphanedLabels += 1
            case .joined where joined[id] == expires:
                joined[id] = nil
            default:
                break
            }
        }
        if deadlinesHead > 1024 && deadlinesHead * 2 > deadlines.count {
            deadlines.removeFirst(deadlinesHead)
            deadlinesHead = 0
        }
    }

    private mutating func join(_ prediction: PredictionEvent, _ label: LabelEvent, at now: Instant) -> JoinedExample {
        counters.joined += 1
        joined[prediction.requestId] = now.advanced(by: window)
        deadlines.append((prediction.requestId, .joined, now.advanced(by: window)))
        return JoinedExample(prediction, label: label)
    }
}

// MARK: - JoinSnapshot

/// What a restarted joiner needs: the counters, what is waiting, and the ids joined recently (for deduplication).
/// Deadlines are not kept — time on another process's clock means nothing here — so a restored entry waits a full
/// window again from the restore.
public struct JoinSnapshot: Sendable, Codable {
    /// Examples emitted.
    public var joined: Int
    /// Predictions whose label never came.
    public var unlabeledPredictions: Int
    /// Labels whose prediction never came.
    public var orphanedLabels: Int
    /// Duplicates ignored.
    public var duplicates: Int
    /// Of those, labels (absent in snapshots saved before it was counted).
    public var duplicateLabels: Int?
    /// Predictions waiting for their label.
    public var predictions: [PredictionEvent]
    /// Labels waiting for their prediction.
    public var labels: [LabelEvent]
    /// Requests joined within the window.
    public var joinedIDs: [String]
}
