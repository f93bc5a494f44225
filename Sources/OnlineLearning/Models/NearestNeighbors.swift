// MARK: - NearestNeighbors

/// k nearest neighbours over a sliding window of the last examples learned: river's `neighbors.KNNClassifier` and
/// `KNNRegressor` with the exact `LazySearch(window_size:)` engine (`scripts/reference/river_knn.py`). Learning an
/// example stores it, pushing out the oldest once the window is full; answering a request finds the `neighbors`
/// stored examples nearest to it by Euclidean distance (ties to the older one, as river's search breaks them).
///
/// - A classifier votes with weight 1 / distance per neighbour and answers the share of the votes per class; a stored
///   example at distance 0 answers its class with certainty. Before anything is learned every class is equally likely.
/// - A regressor answers the plain mean of its neighbours' targets (river's default), or an exact match's target;
///   0 before anything is learned.
///
/// It needs no learning rate and forgets by construction: on a drifting stream it answers from the last `window`
/// examples only, which makes it strong where the boundary is curved and low-dimensional (river's Bananas, a drifting
/// RBF) and weak where a linear model generalizes (docs/learning.md, "The members").
public struct NearestNeighbors: Sendable, Hashable {
    /// What it answers: a class (binary, multiclass) or a value (regression).
    public let task: LearningTask
    /// How many classes a classifier tells apart (labels `0..<classCount`); 0 for a regressor.
    public let classCount: Int
    /// The vector dimension.
    public let dimension: Int
    /// How many neighbours answer a request.
    public let neighbors: Int
    /// How many of the last examples are kept.
    public let window: Int
    /// The stored vectors, one column per feature slot: slot `s`'s value of feature `j` is `points[j · window + s]`
    /// (so the distances to every stored example are computed a feature at a time, 16 examples per instruction).
    public private(set) var points: [Float]
    /// The stored examples' targets (class ids or values), by slot.
    public private(set) var targets: [Double]
    /// The slot the next example goes to: the oldest stored one once the window is full.
    public private(set) var nextSlot = 0
    /// How many slots hold an example.
    public private(set) var stored = 0
    /// How many examples it has learned from.
    public private(set) var examplesSeen = 0
    /// Examples refused: a label outside the classes, a non-finite target, a wrong-length or non-finite vector.
    public private(set) var examplesRefused = 0

    /// An empty model (river's defaults: 5 neighbours; its default engine keeps 1,000 examples).
    public init(task: LearningTask, classes: Int = 2, dimension: Int, neighbors: Int = 5, window: Int = 1000) {
        precondition(dimension > 0 && neighbors > 0 && window >= neighbors, "k nearest neighbours needs a vector and a window of at least k")
        precondition(task == .regression || classes >= 2, "a classifier tells two classes or more apart")
        self.task = task
        classCount = task == .regression ? 0 : classes
        self.dimension = dimension
        self.neighbors = neighbors
        self.window = window
        points = Array(repeating: 0, count: window * dimension)
        targets = Array(repeating: 0, count: window)
    }

    /// Restores a saved model (``ModelBlob``); the caller checks the shapes.
    init(
        task: LearningTask, classes: Int, dimension: Int, neighbors: Int, window: Int, points: [Float],
        targets: [Double], nextSlot: Int, stored: Int, examplesSeen: Int
    ) {
        self.task = task
        classCount = classes
        self.dimension = dimension
        self.neighbors = neighbors
        self.window = window
        self.points = points
        self.targets = targets
        self.nextSlot = nextSlot
        self.stored = stored
        self.examplesSeen = examplesSeen
    }

    /// An empty model with the same settings for vectors of `dimension` slots.
    public func emptied(dimension: Int) -> NearestNeighbors {
        NearestNeighbors(task: task, classes: max(classCount, 2), dimension: dimension, neighbors: neighbors, window: window)
    }

    /// Stores one example (a class id for a classifier); a bad one is refused and counted.
    public mutating func learn(_ x: [Float], target: Double) {
        let valid = task == .regression ? target.isFinite : (target >= 0 && target < Double(classCount) && target.rounded() == target)
        guard valid, x.count == dimension, x.allSatisfy(\.isFinite) else {
            examplesRefused += 1
            return
        }
        let slot = nextSlot
        points.withUnsafeMutableBufferPointer { p in
            for j in 0..<dimension { p[j * window + slot] = x[j] }
        }
        targets[slot] = target
        nextSlot = slot + 1 == window ? 0 : slot + 1
        stored = min(stored + 1, window)
        examplesSeen += 1
    }

    /// The answer for a vector: every class's probability (classifiers) or `[value]` (regressors).
    public func predict(_ x: [Float]) -> [Double] {
        precondition(x.count == dimension, "Expected a vector of \(dimension), got \(x.count).")
        var squared = [Float](repeating: 0, count: stored)
        squaredDistances(x, into: &squared)
        return answer(nearest(squared))
    }

    /// The answers for `count` vectors stored row after row, as ``predict(_:)`` gives each.
    public func predictBatch(_ rows: [Float], count: Int) -> [[Double]] {
        precondition(rows.count == count * dimension, "\(rows.count) values are not \(count) vectors of \(dimension)")
        var squared = [Float](repeating: 0, count: stored)
        var row = [Float](repeating: 0, count: dimension)
        return (0..<count).map { r in
            for j in 0..<dimension { row[j] = rows[r * dimension + j] }
            squaredDistances(row, into: &squared)
            return answer(nearest(squared))
        }
    }

    /// The squared distance from `x` to every stored example, by slot: a feature at a time over the contiguous
    /// column of stored values (a plain loop the optimizer vectorizes; SIMD types would run ~30× slower in debug builds).
    private func squaredDistances(_ x: [Float], into squared: inout [Float]) {
        let count = stored, window = window
        squared.withUnsafeMutableBufferPointer { out in
            guard let total = out.baseAddress else { return }
            total.update(repeating: 0, count: count)
            points.withUnsafeBufferPointer { p in
                for j in 0..<dimension {
                    let column = p.baseAddress! + j * window, value = x[j]
                    for s in 0..<count {
                        let d = column[s] - value
                        total[s] += d * d
                    }
                }
            }
        }
    }

    /// The `neighbors` nearest slots with their distances, nearest first; among equal distances the older example
    /// comes first (slots visited oldest to newest, a later one taken only when strictly nearer).
    private func nearest(_ squared: [Float]) -> [(slot: Int, distance: Double)] {
        let k = min(neighbors, stored)
        guard k > 0 else { return [] }
        var bestSlots = [Int](repeating: 0, count: k)
        var bestSquared = [Float](repeating: .infinity, count: k)
        let oldest = stored == window ? nextSlot : 0
        squared.withUnsafeBufferPointer { d in
            bestSlots.withUnsafeMutableBufferPointer { slots in
                bestSquared.withUnsafeMutableBufferPointer { values in
                    // Slots oldest to newest: from `oldest` to the end, then from 0; the k-th nearest so far in a local,
                    // so most slots cost one comparison.
                    var taken = 0
                    var worst = Float.infinity
                    for part in 0..<2 {
                        for slot in part == 0 ? oldest..<stored : 0..<oldest {
                            let value = d[slot]
                            guard value < worst || taken < k else { continue }
                            var i = min(taken, k - 1)
                            while i > 0 && values[i - 1] > value {
                                values[i] = values[i - 1]
                                slots[i] = slots[i - 1]
                                i -= 1
                            }
                            values[i] = value
                            slots[i] = slot
                            taken += 1
                            worst = values[k - 1]
                        }
                    }
                }
            }
        }
        return (0..<k).map { (bestSlots[$0], Double(bestSquared[$0].squareRoot())) }
    }

    /// The answer the neighbours give, as river's KNN models give it.
    private func answer(_ found: [(slot: Int, distance: Double)]) -> [Double] {
        guard task != .regression else {
            guard let first = found.first else { return [0] }
            if first.distance == 0 { return [targets[first.slot]] }
            let count = Double(found.count)  // each target divided first: five near Double's limit do not overflow
            return [found.reduce(0) { $0 + targets[$1.slot] / count }]
        }
        var votes = [Double](repeating: 0, count: classCount)
        guard let first = found.first else { return votes.map { _ in 1 / Double(classCount) } }
        if first.distance == 0 {
            votes[Int(targets[first.slot])] = 1
            return votes
        }
        for (slot, distance) in found { votes[Int(targets[slot])] += 1 / distance }
        let total = votes.reduce(0, +)
        return votes.map { $0 / total }
    }
}

extension NearestNeighbors: OnlineModel {
    /// The probability of class 1 (a binary classifier) or the value (a regressor).
    public func predictValue(_ x: [Float]) -> Double {
        let answer = predict(x)
        return task == .regression ? answer[0] : answer[1]
    }
}

extension NearestNeighbors: MulticlassModel {
    /// Every class's probability.
    public func predictProbabilities(_ x: [Float]) -> [Double] { predict(x) }

    /// Stores an example of class `label`.
    public mutating func learn(_ x: [Float], label: Int) { learn(x, target: Double(label)) }
}
