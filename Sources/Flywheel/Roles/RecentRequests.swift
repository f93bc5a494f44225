// MARK: - RecentRequests

/// The request ids a role has applied recently, so an example published twice (the feedback role joins a request
/// again after a restart) is applied once: a set bounded to the last ``capacity`` ids, oldest forgotten first.
///
/// Ids are kept as 64-bit FNV-1a fingerprints (8 bytes each, the same in every process; two of a million ids share
/// one with odds of about 1 in 30 million). Each gets a sequence number; the fingerprints added since the last save
/// (``unsaved``) and the oldest sequence number still kept are what a ``ModelRegistry/StateStore`` writes, so a save
/// costs what was added, not the whole set.
///
/// Its memory is allocated whole at the start (a ring of `capacity` entries and a ``FingerprintSet`` sized for them),
/// so it is the same after ten requests and after ten million; nothing grows between saves either (``unsaved`` is read
/// from the ring).
public struct RecentRequests: Sendable {
    /// How many ids are kept.
    public let capacity: Int
    private var ids: FingerprintSet
    /// The kept ids, oldest at `start`, in a ring of `capacity` slots.
    private var ring: [(sequence: Int64, id: Int64)]
    private var start = 0
    /// How many ring slots hold ids.
    public private(set) var count = 0
    private var nextSequence: Int64 = 0
    /// The first sequence number not yet saved.
    private var savedThrough: Int64 = 0

    /// An empty set keeping up to `capacity` ids.
    public init(capacity: Int) {
        precondition(capacity > 0, "RecentRequests needs a positive capacity, not \(capacity).")
        self.capacity = capacity
        ids = FingerprintSet(capacity: capacity + 1)  // one more: an insert comes before the oldest is forgotten
        ring = Array(repeating: (0, 0), count: capacity)
    }

    /// A set restored from saved ids, oldest first (all of them count as saved).
    public init(capacity: Int, restoring saved: [(sequence: Int64, id: Int64)]) {
        self.init(capacity: capacity)
        for (sequence, id) in saved.suffix(capacity) where ids.insert(id) {
            ring[count] = (sequence, id)
            count += 1
        }
        nextSequence = (saved.last?.sequence ?? -1) + 1
        savedThrough = nextSequence
    }

    /// The sequence number of the oldest id kept (everything older may be deleted from a store).
    public var oldestSequence: Int64 { count > 0 ? ring[start].sequence : nextSequence }

    /// Ids added since ``markSaved()`` and still kept, oldest first, with their sequence numbers.
    public var unsaved: [(sequence: Int64, id: Int64)] {
        let fresh = Int(min(Int64(count), nextSequence - savedThrough))
        return (count - fresh..<count).map { ring[(start + $0) % capacity] }
    }

    /// Whether `id` was added and not yet forgotten.
    public func contains(_ id: String) -> Bool { ids.contains(Self.fingerprint(id)) }

    /// Adds `id`; returns false (and changes nothing) when it is already kept.
    public mutating func insert(_ request: String) -> Bool {
        let id = Self.fingerprint(request)
        guard ids.insert(id) else { return false }
        if count == capacity {
            ids.remove(ring[start].id)
            ring[start] = (nextSequence, id)
            start = (start + 1) % capacity
        } else {
            ring[(start + count) % capacity] = (nextSequence, id)
            count += 1
        }
        nextSequence += 1
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
    public mutating func markSaved() { savedThrough = nextSequence }
}
