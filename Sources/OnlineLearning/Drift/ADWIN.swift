import Foundation

// MARK: - ADWIN

/// ADaptive WINdowing (Bifet & Gavaldà 2007), as river's `drift.ADWIN` with its defaults: the stream is kept in an
/// exponential histogram (rows of buckets; row `i` holds up to `maxBuckets` summaries of 2^i values, each a total and
/// a variance); every `clock` values, every split of the window into an older part W0 and a newer part W1 (both at
/// least `minimumWindowLength` long) is tested, and when their means differ by more than the bound
/// ε = √(2·m·σ²·δ′) + ⅔·δ′·m (with m = 1/(n0 − l + 1) + 1/(n1 − l + 1), δ′ = ln(2·ln(n)/δ)) the oldest bucket is
/// dropped and the test repeats. Any drop is a drift. No test runs before `gracePeriod` values.
///
/// The arithmetic follows river's implementation step for step, so the same stream gives drifts at the same indices
/// (the tests pin them); like river, the detector starts afresh after reporting a drift.
public struct ADWIN: DriftDetector, Hashable {
    /// Confidence of the cut test. Default: 0.002.
    public let delta: Double
    /// Test every this many values. Default: 32.
    public let clock: Int
    /// Summaries per row before two are merged into the next row. Default: 5.
    public let maxBuckets: Int
    /// Shortest sub-window a cut may leave. Default: 5.
    public let minimumWindowLength: Int
    /// Values before the first test. Default: 10.
    public let gracePeriod: Int

    public private(set) var state = DriftState.stable
    /// Values in the window.
    public private(set) var width = 0.0
    /// Sum of the values in the window.
    public private(set) var total = 0.0
    /// Sum of squared deviations in the window.
    public private(set) var variance = 0.0
    /// At the last drift: the newer part's mean minus the older part's at the first cut that held (positive: the
    /// values rose — for an error stream, the model got worse). 0 before any drift.
    public private(set) var lastChange = 0.0
    private var tick = 0
    /// `rows[i]`: summaries of 2^i values each, oldest first.
    private var rows: [[Summary]] = [[]]

    private struct Summary: Hashable, Codable {
        var total: Double
        var variance: Double
    }

    /// Makes a detector.
    public init(delta: Double = 0.002, clock: Int = 32, maxBuckets: Int = 5, minimumWindowLength: Int = 5, gracePeriod: Int = 10) {
        precondition(delta > 0 && delta < 1 && clock > 0 && maxBuckets > 0, "invalid ADWIN settings")
        self.delta = delta
        self.clock = clock
        self.maxBuckets = maxBuckets
        self.minimumWindowLength = minimumWindowLength
        self.gracePeriod = gracePeriod
    }

    /// The mean of the window.
    public var estimation: Double { width > 0 ? total / width : 0 }

    public mutating func update(_ value: Double) -> DriftState {
        if state == .drift { reset() }
        insert(value)
        state = detectChange() ? .drift : .stable
        return state
    }

    public mutating func reset() {
        let change = lastChange
        self = ADWIN(delta: delta, clock: clock, maxBuckets: maxBuckets, minimumWindowLength: minimumWindowLength, gracePeriod: gracePeriod)
        lastChange = change
    }

    private mutating func insert(_ value: Double) {
        rows[0].append(Summary(total: value, variance: 0))
        width += 1
        var increment = 0.0
        if width > 1 {
            let deviation = value - total / (width - 1)
            increment = (width - 1) * deviation * deviation / width
        }
        variance += increment
        total += value
        compress()
    }

    /// Merges the two oldest summaries of every full row into the next row.
    private mutating func compress() {
        var row = 0
        while rows[row].count == maxBuckets + 1 {
            let size = Double(UInt64(1) << UInt64(row))
            let first = rows[row][0], second = rows[row][1]
            let mean1 = first.total / size, mean2 = second.total / size
            let merged = Summary(
                total: first.total + second.total,
                variance: first.variance + second.variance + size * 0.5 * (mean1 - mean2) * (mean1 - mean2))
            if row + 1 == rows.count { rows.append([]) }
            rows[row + 1].append(merged)
            rows[row].removeFirst(2)
            if rows[row + 1].count <= maxBuckets { break }
            row += 1
        }
    }

    /// Drops the oldest summary (in the last row) from the window.
    private mutating func deleteOldest() {
        let last = rows.count - 1
        let size = Double(UInt64(1) << UInt64(last))
        let oldest = rows[last][0]
        let oldestMean = oldest.total / size
        width -= size
        total -= oldest.total
        let windowMean = total / width
        variance -= oldest.variance + size * width * (oldestMean - windowMean) * (oldestMean - windowMean) / (size + width)
        rows[last].removeFirst()
        if rows[last].isEmpty { rows.removeLast() }
    }

    private mutating func detectChange() -> Bool {
        var changed = false
        tick += 1
        guard tick % clock == 0, width > Double(gracePeriod) else { return false }
        let minimum = Double(minimumWindowLength)
        var shrink = true
        while shrink {
            shrink = false
            var n0 = 0.0, n1 = width, u0 = 0.0, u1 = total
            scan: for row in stride(from: rows.count - 1, through: 0, by: -1) {
                let size = Double(UInt64(1) << UInt64(row))
                let summaries = rows[row]
                for (index, summary) in summaries.enumerated() {
                    n0 += size
                    n1 -= size
                    u0 += summary.total
                    u1 -= summary.total
                    if row == 0 && index == summaries.count - 1 { break scan }
                    if n1 >= minimum, n0 >= minimum, cutHolds(n0: n0, n1: n1, meanDifference: u0 / n0 - u1 / n1) {
                        if !changed { lastChange = u1 / n1 - u0 / n0 }
                        shrink = true
                        changed = true
                        if width > 0 {
                            deleteOldest()
                            break scan
                        }
                    }
                }
            }
        }
        return changed
    }

    private func cutHolds(n0: Double, n1: Double, meanDifference: Double) -> Bool {
        let deltaPrime = log(2.0 * log(width) / delta)
        let minimum = Double(minimumWindowLength)
        let m = 1.0 / (n0 - minimum + 1.0) + 1.0 / (n1 - minimum + 1.0)
        let epsilon = (2.0 * m * (variance / width) * deltaPrime).squareRoot() + 2.0 / 3.0 * deltaPrime * m
        return abs(meanDifference) > epsilon
    }
}
