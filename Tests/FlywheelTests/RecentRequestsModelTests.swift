import Flywheel
import Testing

/// `RecentRequests` keeps its fingerprints in an open-addressed table with removal by back-shifting; checked against a
/// plain model (a queue of the last `capacity` fingerprints and a `Set`) through long random runs of inserts,
/// repeats and lookups, at capacities where probe runs collide and wrap around the table's end.
@Suite("Recent requests against a model")
struct RecentRequestsModelTests {
    @Test(arguments: [1, 3, 7, 100, 1_000])
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
}
