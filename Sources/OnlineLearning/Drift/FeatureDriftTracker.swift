import FeatureValues
import Foundation

// MARK: - FeatureDriftTracker

/// Streaming data-drift statistics per feature against a frozen reference.
///
/// After ``Configuration/warmUp`` requests, the next ``Configuration/referenceSize`` form the reference (the window the live model was trained on);
/// then it is frozen: numeric features get bins at the reference's quantiles (plus "below the reference minimum" and
/// "above its maximum"), and keep a sorted sample of the reference; categorical features get their most frequent
/// values as bins plus "other". Each later request updates the current window's bin counts and a bounded uniform
/// sample (reservoir, seeded). ``closeWindow()`` compares window and reference — PSI, Jensen-Shannon, Hellinger,
/// chi-square (binned); KS and Wasserstein (numeric, from the samples) — tests each feature (KS p-value for numeric
/// features, chi-square for categorical ones), controls the false-discovery rate across features with
/// Benjamini-Hochberg at ``Configuration/alpha``, and starts a new window.
///
/// KS and Wasserstein use samples of at most ``Configuration/sampleSize`` values; when the window is longer, the
/// sample's empirical CDF is within √(ln(2/0.05) / (2·sampleSize)) of the window's with 95% probability (DKW).
/// Missing values are counted apart and left out of the distributions.
public struct FeatureDriftTracker: Sendable, Codable {
    /// Sizes and the test level.
    public struct Configuration: Sendable, Hashable, Codable {
        /// Requests skipped before the reference starts (e.g. the models' learning curve, which moves their
        /// predictions). Default: 0.
        public var warmUp = 0
        /// Requests in the reference. Default: 2,000.
        public var referenceSize = 2000
        /// Quantile bins for numeric features. Default: 10.
        public var bins = 10
        /// Most frequent values kept as bins for categorical features. Default: 10.
        public var categories = 10
        /// False-discovery rate across features. Default: 0.01.
        public var alpha = 0.01
        /// The bounded sample of a window, per numeric feature. Default: 2,000.
        public var sampleSize = 2000
        /// Seed of the window samples. Default: 42.
        public var seed: UInt64 = 42

        /// The defaults above.
        public init() {}
    }

    /// One feature's comparison of a window with the reference.
    public struct Result: Sendable, Hashable {
        /// The feature.
        public var name: String
        /// Whether it is numeric.
        public var isNumeric: Bool
        /// Values in the window (missing ones excluded) and missing values.
        public var count: Int
        /// Missing values in the window.
        public var missing: Int
        /// Population stability index of the bins.
        public var psi: Double
        /// Jensen-Shannon distance of the bins.
        public var jensenShannon: Double
        /// Hellinger distance of the bins.
        public var hellinger: Double
        /// Chi-square goodness-of-fit p-value of the window's bins to the reference's proportions.
        public var chiSquarePValue: Double
        /// KS statistic (numeric).
        public var ks: Double?
        /// Wasserstein distance (numeric), and the same divided by the reference's standard deviation.
        public var wasserstein: Double?
        /// Wasserstein distance over the reference's standard deviation (numeric).
        public var wassersteinNormalized: Double?
        /// The feature's test p-value: KS for numeric features, chi-square for categorical ones.
        public var pValue: Double
        /// That p-value after Benjamini-Hochberg across the features.
        public var adjustedPValue: Double
        /// Whether the adjusted p-value is at most alpha.
        public var drifted: Bool
        /// The bins' labels, and the reference's and the window's proportions in them.
        public var binLabels: [String]
        /// Reference proportions per bin.
        public var referenceProportions: [Double]
        /// Window proportions per bin.
        public var currentProportions: [Double]
    }

    private struct Numeric: Sendable, Codable {
        var name: String
        var collected: [Double] = []
        var sortedReference: [Double] = []
        var edges: [Double] = []
        var referenceCounts: [Double] = []
        var referenceSD = 0.0
        var counts: [Double] = []
        var sample: [Double] = []
        var seen = 0
        var missing = 0
    }

    private struct Categorical: Sendable, Codable {
        var name: String
        var collected: [String: Int] = [:]
        var values: [String] = []
        var referenceCounts: [Double] = []
        var counts: [Double] = []
        var missing = 0
    }

    /// The settings.
    public let configuration: Configuration
    private var numeric: [Numeric]
    private var categorical: [Categorical]
    private var referenceSeen = 0
    private var skipped = 0
    private var random: SplitMix64
    /// Whether the reference is frozen (the first `referenceSize` requests have been seen).
    public private(set) var isFrozen = false
    /// Requests in the current window.
    public private(set) var windowCount = 0

    /// Tracks the features of `schema`.
    public init(schema: FeatureSchema, configuration: Configuration = .init()) {
        precondition(configuration.referenceSize > 1 && configuration.bins > 1 && configuration.sampleSize > 0)
        self.configuration = configuration
        numeric = schema.features.filter { $0.kind == .numeric }.map { Numeric(name: $0.name) }
        categorical = schema.features.filter { $0.kind == .categorical }.map { Categorical(name: $0.name) }
        random = SplitMix64(seed: configuration.seed)
    }

    /// Adds one request: to the reference until it is full, then to the current window.
    public mutating func observe(_ features: FeatureMap) { observe { features[$0] } }

    /// Adds one request whose values `lookup` finds by feature name (nil: absent) — for a caller whose values are
    /// not all in one dictionary, so it need not build one per request.
    public mutating func observe(_ lookup: (String) -> FeatureValue?) {
        if skipped < configuration.warmUp {
            skipped += 1
            return
        }
        if !isFrozen {
            for index in numeric.indices {
                if case .number(let value) = lookup(numeric[index].name) ?? .missing, value.isFinite {
                    numeric[index].collected.append(value)
                }
            }
            for index in categorical.indices {
                if case .string(let value) = lookup(categorical[index].name) ?? .missing {
                    categorical[index].collected[value, default: 0] += 1
                }
            }
            referenceSeen += 1
            if referenceSeen >= configuration.referenceSize { freeze() }
            return
        }
        windowCount += 1
        for index in numeric.indices {
            guard case .number(let value) = lookup(numeric[index].name) ?? .missing, value.isFinite else {
                numeric[index].missing += 1
                continue
            }
            numeric[index].counts[Self.bin(of: value, edges: numeric[index].edges, sorted: numeric[index].sortedReference)] += 1
            numeric[index].seen += 1
            if numeric[index].sample.count < configuration.sampleSize {
                numeric[index].sample.append(value)
            } else {
                let slot = Int(random.next() % UInt64(numeric[index].seen))
                if slot < configuration.sampleSize { numeric[index].sample[slot] = value }
            }
        }
        for index in categorical.indices {
            guard case .string(let value) = lookup(categorical[index].name) ?? .missing else {
                categorical[index].missing += 1
                continue
            }
            let bin = categorical[index].values.firstIndex(of: value) ?? categorical[index].values.count
            categorical[index].counts[bin] += 1
        }
    }

    /// Compares the current window with the reference and starts a new window.
    /// - Returns: one result per feature with at least one value in the window (none before the reference is frozen).
    public mutating func closeWindow() -> [Result] {
        guard isFrozen else { return [] }
        var results: [Result] = []
        for index in numeric.indices {
            let feature = numeric[index]
            guard feature.seen > 0 else { continue }
            let sample = feature.sample.sorted()
            let ks = DriftStatistics.ksStatistic(sortedReference: feature.sortedReference, sortedCurrent: sample)
            let wasserstein = DriftStatistics.wasserstein(sortedReference: feature.sortedReference, sortedCurrent: sample)
            var result = Self.binned(
                name: feature.name, reference: feature.referenceCounts, current: feature.counts, labels: Self.labels(feature.edges))
            result.isNumeric = true
            result.count = feature.seen
            result.missing = feature.missing
            result.ks = ks
            result.wasserstein = wasserstein
            result.wassersteinNormalized = feature.referenceSD > 0 ? wasserstein / feature.referenceSD : nil
            result.pValue = DriftStatistics.ksPValue(ks, n1: feature.sortedReference.count, n2: sample.count)
            results.append(result)
            numeric[index].counts = feature.referenceCounts.map { _ in 0 }
            numeric[index].sample = []
            numeric[index].seen = 0
            numeric[index].missing = 0
        }
        for index in categorical.indices {
            let feature = categorical[index]
            let count = Int(feature.counts.reduce(0, +))
            guard count > 0 else { continue }
            var result = Self.binned(
                name: feature.name, reference: feature.referenceCounts, current: feature.counts, labels: feature.values + ["(other)"])
            result.count = count
            result.missing = feature.missing
            result.pValue = result.chiSquarePValue
            results.append(result)
            categorical[index].counts = feature.referenceCounts.map { _ in 0 }
            categorical[index].missing = 0
        }
        let adjusted = DriftStatistics.benjaminiHochberg(results.map(\.pValue))
        for index in results.indices {
            results[index].adjustedPValue = adjusted[index]
            results[index].drifted = adjusted[index] <= configuration.alpha
        }
        windowCount = 0
        return results
    }

    private mutating func freeze() {
        isFrozen = true
        for index in numeric.indices {
            var sorted = numeric[index].collected.sorted()
            if sorted.isEmpty { sorted = [0] }
            let bins = configuration.bins
            var edges: [Double] = []
            for quantile in 1..<bins {
                let edge = sorted[Swift.min(sorted.count - 1, quantile * sorted.count / bins)]
                if edges.last != edge { edges.append(edge) }
            }
            numeric[index].edges = edges
            numeric[index].sortedReference = sorted
            var counts = [Double](repeating: 0, count: edges.count + 3)
            for value in sorted { counts[Self.bin(of: value, edges: edges, sorted: sorted)] += 1 }
            numeric[index].referenceCounts = counts
            numeric[index].counts = counts.map { _ in 0 }
            let mean = sorted.reduce(0, +) / Double(sorted.count)
            numeric[index].referenceSD = sorted.count > 1
                ? (sorted.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(sorted.count - 1)).squareRoot() : 0
            numeric[index].collected = []
        }
        for index in categorical.indices {
            let ranked = categorical[index].collected.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            let kept = Array(ranked.prefix(configuration.categories))
            categorical[index].values = kept.map(\.key)
            let other = ranked.dropFirst(configuration.categories).reduce(0) { $0 + $1.value }
            categorical[index].referenceCounts = kept.map { Double($0.value) } + [Double(other)]
            categorical[index].counts = categorical[index].referenceCounts.map { _ in 0 }
            categorical[index].collected = [:]
        }
    }

    /// Bin 0: below the reference minimum; 1…edges.count+1: the quantile bins; last: above the reference maximum.
    private static func bin(of value: Double, edges: [Double], sorted: [Double]) -> Int {
        if value < sorted[0] { return 0 }
        if value > sorted[sorted.count - 1] { return edges.count + 2 }
        var low = 0, high = edges.count
        while low < high {
            let middle = (low + high) / 2
            if value <= edges[middle] { high = middle } else { low = middle + 1 }
        }
        return low + 1
    }

    private static func labels(_ edges: [Double]) -> [String] {
        ["< min"] + edges.map { "≤ " + String(format: "%.3g", $0) } + ["≤ max", "> max"]
    }

    /// The binned statistics; out-of-range and empty reference bins are merged into their neighbours for the
    /// chi-square test (an expected count of 0 has no test).
    private static func binned(name: String, reference: [Double], current: [Double], labels: [String]) -> Result {
        var mergedReference: [Double] = [], mergedCurrent: [Double] = []
        var pendingReference = 0.0, pendingCurrent = 0.0
        for (r, c) in zip(reference, current) {
            pendingReference += r
            pendingCurrent += c
            if pendingReference > 0 {
                mergedReference.append(pendingReference)
                mergedCurrent.append(pendingCurrent)
                pendingReference = 0
                pendingCurrent = 0
            }
        }
        if pendingCurrent > 0, !mergedCurrent.isEmpty { mergedCurrent[mergedCurrent.count - 1] += pendingCurrent }
        let chi = mergedReference.count > 1
            ? DriftStatistics.chiSquare(reference: mergedReference, current: mergedCurrent).pValue : 1
        return Result(
            name: name, isNumeric: false, count: 0, missing: 0,
            psi: DriftStatistics.psi(reference: reference, current: current),
            jensenShannon: DriftStatistics.jensenShannon(reference: reference, current: current),
            hellinger: DriftStatistics.hellinger(reference: reference, current: current),
            chiSquarePValue: chi, ks: nil, wasserstein: nil, wassersteinNormalized: nil, pValue: chi, adjustedPValue: chi,
            drifted: false, binLabels: labels, referenceProportions: DriftStatistics.proportions(reference),
            currentProportions: DriftStatistics.proportions(current))
    }
}

// MARK: - SplitMix64

/// A small, fast, seeded generator (Steele, Lea & Flood 2014): the same seed always gives the same samples, so every
/// run — a detector's sampler, a perceptron's first weights, a simulation, a test's stream — is reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable, Codable {
    private var state: UInt64

    /// Starts at `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in [0, 1).
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// 0 or 1, evenly.
    public mutating func nextBit() -> Int { Int(next() >> 63) }
}
