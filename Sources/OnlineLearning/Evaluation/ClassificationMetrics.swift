// MARK: - ConfusionMatrix

/// Counts of predictions by true and predicted class, for precision, recall and F1 (two classes unless told).
public struct ConfusionMatrix: Sendable, Hashable {
    /// `counts[truth][predicted]`.
    public private(set) var counts: [[Int]]

    /// Makes an empty matrix for `classes` classes.
    public init(classes: Int = 2) {
        precondition(classes >= 2, "a confusion matrix needs two classes or more")
        counts = Array(repeating: Array(repeating: 0, count: classes), count: classes)
    }

    /// Counts one prediction. With two classes anything but 1 counts as 0 (binary labels); with more, a label or
    /// prediction outside the classes is not counted.
    public mutating func update(label: Int, predicted: Int) {
        if counts.count == 2 {
            counts[label == 1 ? 1 : 0][predicted == 1 ? 1 : 0] += 1
        } else if counts.indices.contains(label) && counts.indices.contains(predicted) {
            counts[label][predicted] += 1
        }
    }

    /// F1 of one class: `2·tp / (2·tp + fp + fn)`, 0 when the class never appeared nor was predicted.
    public func f1(of positive: Int) -> Double {
        let tp = counts[positive][positive]
        let fp = counts.indices.reduce(0) { $0 + counts[$1][positive] } - tp
        let fn = counts[positive].reduce(0, +) - tp
        let denominator = 2 * tp + fp + fn
        return denominator > 0 ? 2 * Double(tp) / Double(denominator) : 0
    }

    /// The mean of every class's F1 (macro F1).
    public var macroF1: Double { counts.indices.reduce(0) { $0 + f1(of: $1) } / Double(counts.count) }
}

// MARK: - ROCAUC

/// The exact area under the ROC curve of binary scores: the chance that a random positive scores above a random
/// negative (ties count one half), the Mann-Whitney statistic.
///
/// Keeps every score (8 bytes each) and sorts at query time, O(n log n); meant for evaluation runs, not for windows
/// on a hot path.
public struct ROCAUC: Sendable, Hashable {
    private var positives: [Double] = []
    private var negatives: [Double] = []

    /// Makes an empty accumulator.
    public init() {}

    /// Adds one scored example.
    public mutating func update(label: Int, score: Double) {
        if label == 1 { positives.append(score) } else { negatives.append(score) }
    }

    /// The area, or 0.5 while one class has no examples.
    public var value: Double {
        guard !positives.isEmpty, !negatives.isEmpty else { return 0.5 }
        let sortedNegatives = negatives.sorted()
        var total = 0.0
        for score in positives {
            let below = Self.count(in: sortedNegatives) { $0 < score }
            let notAbove = Self.count(in: sortedNegatives) { $0 <= score }
            total += Double(below) + 0.5 * Double(notAbove - below)
        }
        return total / (Double(positives.count) * Double(negatives.count))
    }

    /// How many leading elements of a sorted array satisfy `predicate` (binary search).
    private static func count(in sorted: [Double], where predicate: (Double) -> Bool) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if predicate(sorted[middle]) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

// MARK: - RollingAccuracy

/// Accuracy over the last `window` predictions, for a metric that follows drift.
public struct RollingAccuracy: Sendable, Hashable, Codable {
    /// How many recent predictions count.
    public let window: Int
    private var outcomes: [Bool] = []
    private var next = 0
    /// How many of the window's outcomes are right.
    public private(set) var correct = 0

    /// Makes an empty window.
    public init(window: Int) {
        precondition(window > 0, "A rolling window needs at least one element, not \(window).")
        self.window = window
    }

    /// Adds one outcome, dropping the oldest once the window is full.
    public mutating func update(isCorrect: Bool) {
        if outcomes.count < window {
            outcomes.append(isCorrect)
        } else {
            if outcomes[next] { correct -= 1 }
            outcomes[next] = isCorrect
            next = (next + 1) % window
        }
        if isCorrect { correct += 1 }
    }

    /// The share right among the predictions in the window (0 before any).
    public var value: Double { outcomes.isEmpty ? 0 : Double(correct) / Double(outcomes.count) }
    /// How many outcomes the window holds (at most ``window``).
    public var count: Int { outcomes.count }
}

// MARK: - FadingAccuracy

/// Accuracy with a fading factor α: each older prediction weighs α times the next one, so the metric forgets
/// smoothly (α = 0.999 ≈ a window of 1,000). A ``FadingMean`` of right (1) and wrong (0).
public struct FadingAccuracy: Sendable, Hashable {
    private var mean: FadingMean

    /// Makes an empty metric.
    public init(factor: Double) {
        mean = FadingMean(factor: factor)
    }

    /// The fading factor, in (0, 1].
    public var factor: Double { mean.factor }

    /// Adds one outcome.
    public mutating func update(isCorrect: Bool) {
        mean.append(isCorrect ? 1 : 0)
    }

    /// The faded share right (0 before any).
    public var value: Double { mean.value }
}
