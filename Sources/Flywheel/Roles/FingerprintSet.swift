// MARK: - FingerprintSet

/// A set of 64-bit request-id fingerprints (``RecentRequests/fingerprint(_:)``) in one open-addressed table allocated
/// whole at the start (``FingerprintSlots``: on huge pages where the kernel offers them): linear probing, at most half
/// full, removal by shifting the following entries back. The fingerprints are FNV-1a hashes already, so one multiply
/// places them; a `Set<Int64>` hashed each again with SipHash on every insert, lookup and removal (~3% of the trainer
/// process, ~2% of feedback in `perf`). A copy shares the table until either side changes it.
struct FingerprintSet: Sendable {
    /// The table; 0 marks an empty slot (the fingerprint 0 is kept in ``holdsZero``).
    private var slots: FingerprintSlots
    private var holdsZero = false
    private let mask: Int
    private let shift: UInt64
    /// How many fingerprints it holds.
    private(set) var count = 0
    /// How many it may hold.
    let capacity: Int

    /// An empty set for up to `capacity` fingerprints (a table of at least twice as many slots).
    init(capacity: Int) {
        precondition(capacity > 0, "FingerprintSet needs a positive capacity, not \(capacity).")
        self.capacity = capacity
        var size = 16
        while size < 2 * capacity { size *= 2 }
        slots = FingerprintSlots(count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    /// The slot `fingerprint` starts its probe at (Fibonacci hashing: the product's top bits).
    @inline(__always) private func home(_ fingerprint: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: fingerprint) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The slot holding `fingerprint` (found), or the empty slot where its probe ends (not found).
    /// - Precondition: `fingerprint` is not 0.
    @inline(__always) private func probe(_ fingerprint: Int64) -> (slot: Int, found: Bool) {
        var slot = home(fingerprint)
        while true {
            let held = slots.base[slot]
            if held == fingerprint { return (slot, true) }
            if held == 0 { return (slot, false) }
            slot = (slot + 1) & mask
        }
    }

    /// Whether it holds `fingerprint`.
    func contains(_ fingerprint: Int64) -> Bool {
        fingerprint == 0 ? holdsZero : probe(fingerprint).found
    }

    /// Adds `fingerprint`; false (and no change) when it is held already.
    /// - Precondition: fewer than ``capacity`` held, or it is held already.
    mutating func insert(_ fingerprint: Int64) -> Bool {
        if fingerprint == 0 {
            guard !holdsZero else { return false }
            precondition(count < capacity, "FingerprintSet is full (\(capacity))")
            holdsZero = true
            count += 1
            return true
        }
        let (slot, found) = probe(fingerprint)
        guard !found else { return false }
        precondition(count < capacity, "FingerprintSet is full (\(capacity))")
        makeUnique()
        slots.base[slot] = fingerprint
        count += 1
        return true
    }

    /// Removes `fingerprint` if held: the entries after it in its run move back so every probe still finds them.
    mutating func remove(_ fingerprint: Int64) {
        if fingerprint == 0 {
            if holdsZero { holdsZero = false; count -= 1 }
            return
        }
        let (slot, found) = probe(fingerprint)
        guard found else { return }
        makeUnique()
        let slots = slots.base
        var hole = slot
        var next = hole
        while true {
            next = (next + 1) & mask
            let held = slots[next]
            if held == 0 { break }
            let start = home(held)
            // It may fill the hole unless its probe starts after the hole (cyclically) and not after `next`.
            let startsBetween = hole <= next ? (hole < start && start <= next) : (hole < start || start <= next)
            if !startsBetween {
                slots[hole] = held
                hole = next
            }
        }
        slots[hole] = 0
        count -= 1
    }

    /// Copies the table first when a copy of this set shares it.
    @inline(__always) private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&slots) { slots = FingerprintSlots(copying: slots) }
    }
}
