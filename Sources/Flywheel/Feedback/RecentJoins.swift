// MARK: - RecentJoins

/// The request ids joined most recently, as 64-bit fingerprints (``RecentRequests/fingerprint(_:)``) in a fixed
/// ring: the join's memory of what it already joined, so a prediction or label delivered again is a duplicate.
///
/// Bounded by count, not by time, and allocated whole at the start: its memory is the same after ten requests and
/// after ten million (a memory kept for a join window grew with rate × window — 1.6 GB at 27,000 requests/s for
/// 600 s). A duplicate comes from a re-read after a crash or a rebalance, which starts at the oldest waiting record,
/// so the last million joins cover it; the trainer and the promoter keep their own sets as well.
struct RecentJoins: Sendable {
    /// How many ids it keeps.
    let capacity: Int
    private var ring: [Int64]
    private var members: FingerprintSet
    private var next = 0
    private var filled = false

    /// An empty memory for `capacity` ids.
    init(capacity: Int) {
        precondition(capacity > 0, "RecentJoins needs a positive capacity, not \(capacity).")
        self.capacity = capacity
        ring = Array(repeating: 0, count: capacity)
        members = FingerprintSet(capacity: capacity + 1)  // one more: an insert comes before the oldest is forgotten
    }

    /// Whether `id` is among the last ``capacity`` joined.
    func contains(_ id: String) -> Bool { members.contains(RecentRequests.fingerprint(id)) }

    /// Remembers `id`, forgetting the oldest when full.
    mutating func insert(_ id: String) {
        let fingerprint = RecentRequests.fingerprint(id)
        guard members.insert(fingerprint) else { return }
        if filled { members.remove(ring[next]) }
        ring[next] = fingerprint
        next += 1
        if next == capacity {
            next = 0
            filled = true
        }
    }
}
