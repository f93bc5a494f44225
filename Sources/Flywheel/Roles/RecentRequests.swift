// MARK: - RecentRequests

/// The request ids a role has applied recently, so an example published twice (the feedback role joins a request
/// again after a restart) is applied once: a set bounded to the last ``capacity`` ids, oldest forgotten first.
///
/// Ids are kept as 64-bit FNV-1a fingerprints (8 bytes each, the same in every process; two of a million ids share
/// one with odds of about 1 in 30 million). Each gets a sequence number; the fingerprints added since the last save
/// (``unsaved``) and the oldest sequence number still kept are what a ``ModelRegistry/StateStore`` writes, so a save
/// costs what was added, not the whole set.
public struct RecentRequests: Sendable {
    /// How many ids are kept.
    public let capacity: Int
    private var ids: Set<Int64> = []
    private var order: [(sequence: Int64, id: Int64)] = []
    private var head = 0
    private var nextSequence: Int64 = 0
    /// Ids added since ``markSaved()``, with their sequence numbers.
    public private(set) var unsaved: [(sequence: Int64, id: Int64)] = []

    /// An empty set keeping up to `capacity` ids.
    public init(capacity: Int) {
        precondition(capacity > 0, "RecentRequests needs a positive capacity, not \(capacity).")
        self.capacity = capacity
    }

    /// A set restored from saved ids, oldest first.
    public init(capacity: Int, restoring saved: [(sequence: Int64, id: Int64)]) {
        self.init(capacity: capacity)
        for (sequence, id) in saved.suffix(capacity) where ids.insert(id).inserted {
            order.append((sequence, id))
        }
        nextSequence = (saved.last?.sequence ?? -1) + 1
    }

    /// How many ids are kept now.
    public var count: Int { ids.count }

    /// The sequence number of the oldest id kept (everything older may be deleted from a store).
    public var oldestSequence: Int64 { head < order.count ? order[head].sequence : nextSequence }

    /// Whether `id` was added and not yet forgotten.
    public func contains(_ id: String) -> Bool { ids.contains(Self.fingerprint(id)) }

    /// Adds `id`; returns false (and changes nothing) when it is already kept.
    public mutating func insert(_ request: String) -> Bool {
        let id = Self.fingerprint(request)
        guard ids.insert(id).inserted else { return false }
        order.append((nextSequence, id))
        unsaved.append((nextSequence, id))
        nextSequence += 1
        while ids.count > capacity {
            ids.remove(order[head].id)
            head += 1
        }
        if head > 4096 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
        return true
    }

    /// The 64-bit FNV-1a hash of the id's UTF-8 bytes, as a signed integer (SQLite's).
    public static func fingerprint(_ id: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    /// Notes that ``unsaved`` is written.
    public mutating func markSaved() { unsaved.removeAll(keepingCapacity: true) }
}
