import Foundation
import LinearAlgebra

// MARK: - DriftStatistics

/// The statistics behind data-drift tests, on samples or on bin counts, each checked against scipy/numpy
/// (`scripts/reference/drift_statistics.py`).
public enum DriftStatistics {
    /// The two-sample Kolmogorov-Smirnov statistic: the largest distance between the two empirical CDFs.
    /// Both samples must be sorted ascending.
    public static func ksStatistic(sortedReference a: [Double], sortedCurrent b: [Double]) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        var i = 0, j = 0, largest = 0.0
        let n1 = Double(a.count), n2 = Double(b.count)
        while i < a.count || j < b.count {
            // The next distinct value, and both CDFs just after it.
            let value = Swift.min(i < a.count ? a[i] : .infinity, j < b.count ? b[j] : .infinity)
            while i < a.count && a[i] == value { i += 1 }
            while j < b.count && b[j] == value { j += 1 }
            largest = Swift.max(largest, abs(Double(i) / n1 - Double(j) / n2))
        }
        return largest
    }

    /// The exact two-sided p-value of a two-sample KS statistic `d` for small samples, as scipy's
    /// `ks_2samp(method="exact")`: the share of the C(n1 + n2, n1) equally likely orderings of the pooled sample whose
    /// empirical CDFs come within `d` of each other, counted by dynamic programming over the lattice path
    /// (i of the first sample and j of the second seen). Cost n1·n2; meant for samples of tens to hundreds.
    public static func ksExactPValue(_ d: Double, n1: Int, n2: Int) -> Double {
        guard n1 > 0, n2 > 0 else { return 1 }
        // Paths whose every point keeps |i/n1 − j/n2| < d (with a tolerance so d itself counts as reaching it).
        let limit = d - 1e-12
        var row = [Double](repeating: 0, count: n2 + 1)
        for i in 0...n1 {
            for j in 0...n2 {
                let inside = abs(Double(i) / Double(n1) - Double(j) / Double(n2)) < limit
                if !inside {
                    row[j] = 0
                } else if i == 0 && j == 0 {
                    row[j] = 1
                } else {
                    // row[j] still holds the count for (i − 1, j); row[j − 1] is already (i, j − 1).
                    row[j] = (i > 0 ? row[j] : 0) + (j > 0 ? row[j - 1] : 0)
                }
            }
        }
        // Normalise by C(n1 + n2, n1) in logs, then take the complement.
        let logTotal = lgamma(Double(n1 + n2 + 1)) - lgamma(Double(n1 + 1)) - lgamma(Double(n2 + 1))
        let inside = row[n2] > 0 ? exp(log(row[n2]) - logTotal) : 0
        return Swift.min(1, Swift.max(0, 1 - inside))
    }

    /// The two-sided p-value of a two-sample KS statistic `d` for sample sizes `n1`, `n2`, as scipy's
    /// `ks_2samp(method="asymp")`: the Kolmogorov distribution for `n = round(n1·n2/(n1 + n2))` observations,
    /// computed exactly (Marsaglia, Tsang & Wang 2003).
    public static func ksPValue(_ d: Double, n1: Int, n2: Int) -> Double {
        let m = Double(Swift.max(n1, n2)), n = Double(Swift.min(n1, n2))
        let effective = Int((m * n / (m + n)).rounded(.toNearestOrEven))
        return Swift.min(1, Swift.max(0, kolmogorovSurvival(d, n: effective)))
    }

    /// P(D_n ≥ d) for the one-sample Kolmogorov statistic with `n` observations: exact while n·d² ≤ 7.24, where
    /// the p-value is above about 1e-6; beyond, Marsaglia, Tsang & Wang's tail formula
    /// 2·exp(−(2.000071 + 0.331/√n + 1.409/n)·n·d²) (the exact matrix would grow with n·d and the p-value is tiny).
    public static func kolmogorovSurvival(_ d: Double, n: Int) -> Double {
        guard n > 0 else { return 1 }
        if d <= 0 { return 1 }
        if d >= 1 { return 0 }
        let s = d * d * Double(n)
        if s > 7.24 {
            return Swift.min(1, 2 * exp(-(2.000071 + 0.331 / Double(n).squareRoot() + 1.409 / Double(n)) * s))
        }
        return 1 - kolmogorovCDF(d, n: n)
    }

    /// P(D_n < d), by the matrix power of Marsaglia, Tsang & Wang (2003), with the exponent kept apart so nothing
    /// overflows.
    static func kolmogorovCDF(_ d: Double, n: Int) -> Double {
        let nd = Double(n) * d
        let k = Int(nd) + 1
        let size = 2 * k - 1
        let h = Double(k) - nd
        var matrix = [Double](repeating: 0, count: size * size)
        for i in 0..<size {
            for j in 0..<size where i - j + 1 >= 0 { matrix[i * size + j] = 1 }
        }
        for i in 0..<size {
            matrix[i * size] -= pow(h, Double(i + 1))
            matrix[(size - 1) * size + i] -= pow(h, Double(size - i))
        }
        matrix[(size - 1) * size] += 2 * h - 1 > 0 ? pow(2 * h - 1, Double(size)) : 0
        for i in 0..<size {
            for j in 0..<size where i - j + 1 > 0 {
                for g in 1...(i - j + 1) { matrix[i * size + j] /= Double(g) }
            }
        }
        var (power, exponent) = matrixPower(matrix, size: size, n: n)
        var s = power[(k - 1) * size + (k - 1)]
        for i in 1...n {
            s = s * Double(i) / Double(n)
            if s < 1e-140 {
                s *= 1e140
                exponent -= 140
            }
        }
        return s * pow(10, Double(exponent))
    }

    /// `a·b` for square matrices, on OpenBLAS (`dgemm`): the matrix power of a KS p-value multiplies matrices of
    /// up to ~170 rows about 20 times, which in plain loops took ~3% of the whole demo.
    private static func multiply(_ a: [Double], _ b: [Double], size: Int) -> [Double] {
        var c = [Double](repeating: 0, count: size * size)
        GEMM.multiply(a, b, into: &c, m: size, n: size, k: size)
        return c
    }

    /// `matrix^n` as (mantissa matrix, power of ten).
    private static func matrixPower(_ matrix: [Double], size: Int, n: Int) -> ([Double], Int) {
        if n == 1 { return (matrix, 0) }
        var (half, exponent) = matrixPower(matrix, size: size, n: n / 2)
        var result = multiply(half, half, size: size)
        exponent *= 2
        if n % 2 == 1 { result = multiply(matrix, result, size: size) }
        if result[(size / 2) * size + size / 2] > 1e140 {
            for index in result.indices { result[index] *= 1e-140 }
            exponent += 140
        }
        half = []
        return (result, exponent)
    }

    /// The first Wasserstein distance between two samples (the area between their empirical CDFs), as scipy's
    /// `wasserstein_distance`. Both samples must be sorted ascending.
    public static func wasserstein(sortedReference a: [Double], sortedCurrent b: [Double]) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        let all = (a + b).sorted()
        var i = 0, j = 0, total = 0.0
        for index in 0..<(all.count - 1) {
            while i < a.count && a[i] <= all[index] { i += 1 }
            while j < b.count && b[j] <= all[index] { j += 1 }
            total += abs(Double(i) / Double(a.count) - Double(j) / Double(b.count)) * (all[index + 1] - all[index])
        }
        return total
    }

    /// The chi-square goodness-of-fit of `current` counts to the proportions of `reference` counts: the statistic
    /// Σ (o − e)²/e with e = n·p, and its p-value with (bins − 1) degrees of freedom. Bins empty in the reference must
    /// be merged away first (the expected count would be 0).
    public static func chiSquare(reference: [Double], current: [Double]) -> (statistic: Double, pValue: Double) {
        precondition(reference.count == current.count && reference.count > 1)
        let referenceTotal = reference.reduce(0, +), currentTotal = current.reduce(0, +)
        var statistic = 0.0
        for (r, c) in zip(reference, current) {
            let expected = r / referenceTotal * currentTotal
            statistic += (c - expected) * (c - expected) / expected
        }
        return (statistic, chiSquareSurvival(statistic, degreesOfFreedom: Double(reference.count - 1)))
    }

    /// The chi-square test that two samples of counts over the same categories come from one distribution (a 2 × K
    /// contingency table, as `scipy.stats.chi2_contingency(..., correction=False)`): the statistic Σ (o − e)²/e with
    /// e = row total × column total / n, and its p-value with (K − 1) degrees of freedom, K counting only the
    /// categories either sample saw. Fewer than two such categories, or an empty sample: statistic 0, p-value 1.
    public static func chiSquareHomogeneity(_ first: [Double], _ second: [Double]) -> (statistic: Double, pValue: Double) {
        precondition(first.count == second.count, "both samples count the same categories")
        let firstTotal = first.reduce(0, +), secondTotal = second.reduce(0, +), total = firstTotal + secondTotal
        var statistic = 0.0, categories = 0
        for (a, b) in zip(first, second) where a + b > 0 {
            categories += 1
            let expectedA = firstTotal * (a + b) / total, expectedB = secondTotal * (a + b) / total
            statistic += (a - expectedA) * (a - expectedA) / expectedA + (b - expectedB) * (b - expectedB) / expectedB
        }
        guard categories > 1, firstTotal > 0, secondTotal > 0 else { return (0, 1) }
        return (statistic, chiSquareSurvival(statistic, degreesOfFreedom: Double(categories - 1)))
    }

    /// P(X ≥ x) for a chi-square variable: the regularized upper incomplete gamma function Q(k/2, x/2).
    public static func chiSquareSurvival(_ x: Double, degreesOfFreedom k: Double) -> Double {
        guard x > 0 else { return 1 }
        return upperRegularizedGamma(k / 2, x / 2)
    }

    /// Q(a, x) by its series (x < a + 1) or its continued fraction (otherwise), to double precision.
    static func upperRegularizedGamma(_ a: Double, _ x: Double) -> Double {
        let logPrefix = a * log(x) - x - lgamma(a)
        if x < a + 1 {
            var term = 1 / a, sum = term, ap = a
            for _ in 0..<10_000 {
                ap += 1
                term *= x / ap
                sum += term
                if abs(term) < abs(sum) * 1e-17 { break }
            }
            return 1 - sum * exp(logPrefix)
        }
        // Lentz's method for the continued fraction.
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1..<10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-17 { break }
        }
        return exp(logPrefix) * h
    }

    /// Proportions of `counts` (all zero → all zero).
    static func proportions(_ counts: [Double]) -> [Double] {
        let total = counts.reduce(0, +)
        return total > 0 ? counts.map { $0 / total } : counts.map { _ in 0 }
    }

    /// The Jensen-Shannon distance (natural log) between the distributions of two count vectors, as scipy's
    /// `spatial.distance.jensenshannon`.
    public static func jensenShannon(reference: [Double], current: [Double]) -> Double {
        let p = proportions(reference), q = proportions(current)
        var divergence = 0.0
        for (a, b) in zip(p, q) {
            let m = (a + b) / 2
            if a > 0 { divergence += a * log(a / m) }
            if b > 0 { divergence += b * log(b / m) }
        }
        return (Swift.max(0, divergence / 2)).squareRoot()
    }

    /// The Hellinger distance between the distributions of two count vectors: ‖√p − √q‖₂ / √2.
    public static func hellinger(reference: [Double], current: [Double]) -> Double {
        let p = proportions(reference), q = proportions(current)
        let sum = zip(p, q).reduce(0.0) { $0 + ($1.0.squareRoot() - $1.1.squareRoot()) * ($1.0.squareRoot() - $1.1.squareRoot()) }
        return sum.squareRoot() / 2.0.squareRoot()
    }

    /// The population stability index Σ (q − p)·ln(q/p), with half a count added to every bin so empty bins stay
    /// finite.
    public static func psi(reference: [Double], current: [Double]) -> Double {
        let p = proportions(reference.map { $0 + 0.5 }), q = proportions(current.map { $0 + 0.5 })
        return zip(p, q).reduce(0.0) { $0 + ($1.1 - $1.0) * log($1.1 / $1.0) }
    }

    /// Benjamini-Hochberg adjusted p-values (the false-discovery rate at which each test would be rejected), as
    /// scipy's `false_discovery_control(method="bh")`.
    public static func benjaminiHochberg(_ pValues: [Double]) -> [Double] {
        let m = Double(pValues.count)
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
        var adjusted = [Double](repeating: 0, count: pValues.count)
        var running = 1.0
        for rank in stride(from: order.count - 1, through: 0, by: -1) {
            let index = order[rank]
            running = Swift.min(running, pValues[index] * m / Double(rank + 1))
            adjusted[index] = running
        }
        return adjusted
    }
}
