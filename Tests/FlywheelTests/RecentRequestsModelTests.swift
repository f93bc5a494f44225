import Flywheel
import Testing

/// `RecentRequests` keeps its fingerprints in an open-addressed table with removal by back-shifting; checked against a
/// plain model (a queue of the last `capacity` fingerprints and a `Set`) through long random runs of inserts,
/// repeats and lookups, at capacities where probe runs collide and wrap around the table's end.
@Suite("Recent requests against a model")
struct RecentRequestsModelTests {
    @Test(arguments: [1, 3, 7, 100, 1_000, 200_000])
    func behavesAsTheLastCapacityIds(capacity: Int) {
        var recent = RecentRequests(capacity: capacity)
        var queue: [Int64] = []
        var kept: Set<Int64> = []
        var state: UInt64 = UInt64(capacity) &* 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % bound
        }
        // Ids drawn from a pool a few times the capacity, so many come back while kept and many after being forgotten.
        let pool = 3 * capacity + 5
        for step in 0..<40_000 {
            let id = "request-\(next(pool))"
            let fingerprint = RecentRequests.fingerprint(id)
            if next(3) == 0 {
                #expect(recent.contains(id) == kept.contains(fingerprint), "step \(step): contains \(id)")
                continue
            }
            let expected = !kept.contains(fingerprint)
            #expect(recent.insert(id) == expected, "step \(step): insert \(id)")
            if expected {
                queue.append(fingerprint)
                kept.insert(fingerprint)
                if queue.count > capacity { kept.remove(queue.removeFirst()) }
            }
            #expect(recent.count == queue.count)
        }
        for index in 0..<pool {
            let id = "request-\(index)"
            #expect(recent.contains(id) == kept.contains(RecentRequests.fingerprint(id)), "end: \(id)")
        }
    }

    /// A copy is a value of its own: the table is shared until one side changes, then copied (`FingerprintSlots`).
    @Test func copiesAreIndependent() {
        var original = RecentRequests(capacity: 4)
        for index in 0..<4 { let added = original.insert("request-\(index)"); #expect(added) }
        var copy = original
        // The copy forgets request-0 and request-1 (capacity 4) and learns two ids the original never saw.
        let addedToCopy = [copy.insert("request-4"), copy.insert("request-5")]
        #expect(addedToCopy == [true, true])
        #expect(!copy.contains("request-0") && !copy.contains("request-1"))
        #expect(copy.contains("request-4") && copy.contains("request-5"))
        for index in 0..<4 { #expect(original.contains("request-\(index)"), "original lost request-\(index)") }
        #expect(!original.contains("request-4") && !original.contains("request-5"))
        // And the other way round: the original changing leaves the copy as it was.
        let addedToOriginal = original.insert("request-6")
        #expect(addedToOriginal)
        #expect(!copy.contains("request-6"))
        #expect(copy.contains("request-2") && copy.contains("request-3"))
        #expect(!original.contains("request-0"))
    }
}
