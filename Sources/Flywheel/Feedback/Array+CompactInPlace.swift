// MARK: - Compacting a queue in place

extension Array {
    /// Drops the first `head` elements and every later one `keeps` refuses, in place and in order, keeping the
    /// array's buffer: the join's queues are compacted so, because a filtered copy freed a block of megabytes each
    /// time, after which glibc's malloc serves blocks up to that size from its heap, where they fragment (the feedback
    /// process's RSS climbed ~13% over a million requests: `flywheel-bench loop --soak`, docs/benchmarks.md).
    /// - Returns: how many elements are left.
    @discardableResult
    mutating func compactInPlace(droppingFirst head: Int, keeping keeps: (Element) -> Bool) -> Int {
        var kept = 0
        for index in head..<count where keeps(self[index]) {
            self[kept] = self[index]
            kept += 1
        }
        removeLast(count - kept)
        return kept
    }
}
