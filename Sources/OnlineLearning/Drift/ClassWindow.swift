// MARK: - ClassWindow

/// The classes of the latest `capacity` items, oldest evicted first, with each class's count kept as items come and
/// go: the label guard's windows (recent labels, served answers before and since a pause).
struct ClassWindow: Sendable, Hashable, Codable {
    /// How many items it holds at most.
    let capacity: Int
    /// The items, a ring from `start` once full.
    private var ring: [Int] = []
    private var start = 0
    /// How many of the items name each class.
    private(set) var counts: [Int: Int] = [:]

    /// An empty window of `capacity` items.
    init(capacity: Int) {
        precondition(capacity > 0, "a window holds at least one item")
        self.capacity = capacity
    }

    /// How many items it holds.
    var count: Int { ring.count }

    /// Whether it holds `capacity` items.
    var isFull: Bool { ring.count == capacity }

    /// Adds an item, evicting the oldest when full.
    mutating func add(_ item: Int) {
        if ring.count < capacity {
            ring.append(item)
        } else {
            counts[ring[start], default: 0] -= 1
            ring[start] = item
            start = (start + 1) % capacity
        }
        counts[item, default: 0] += 1
    }

    /// The share of the items that name `item` (0 when empty).
    func share(of item: Int) -> Double {
        ring.isEmpty ? 0 : Double(counts[item] ?? 0) / Double(ring.count)
    }

    /// Empties it.
    mutating func removeAll() {
        ring = []
        start = 0
        counts = [:]
    }
}
