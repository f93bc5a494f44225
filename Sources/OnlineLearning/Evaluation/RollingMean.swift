// MARK: - RollingMean

/// The mean of the last `window` values.
public struct RollingMean: Sendable, Hashable, Codable {
    private var values: [Double] = []
    private var next = 0
    private var total = 0.0
    /// How many values the mean covers at most.
    public let window: Int

    /// An empty mean over `window` values.
    public init(window: Int) {
        precondition(window > 0, "A rolling mean needs a window of at least 1, not \(window).")
        self.window = window
    }

    /// The mean of the values held (0 when empty).
    public var value: Double { values.isEmpty ? 0 : total / Double(values.count) }

    /// Adds a value, dropping the oldest when full.
    public mutating func append(_ value: Double) {
        if values.count < window {
            values.append(value)
        } else {
            total -= values[next]
            values[next] = value
            next = (next + 1) % window
        }
        total += value
    }
}

// MARK: - FadingMean

/// A mean with a fading factor α: each older value weighs α times the next one (α = 0.999 ≈ the last 1,000), the
/// "fading factor" evaluation of Gama et al. 2013.
public struct FadingMean: Sendable, Hashable, Codable {
    /// The fading factor, in (0, 1].
    public let factor: Double
    private var weightedSum = 0.0
    private var weight = 0.0

    /// An empty mean.
    public init(factor: Double) {
        precondition(factor > 0 && factor <= 1, "A fading factor lies in (0, 1], not \(factor).")
        self.factor = factor
    }

    /// Adds a value.
    public mutating func append(_ value: Double) {
        weightedSum = factor * weightedSum + value
        weight = factor * weight + 1
    }

    /// The faded mean (0 before any value).
    public var value: Double { weight > 0 ? weightedSum / weight : 0 }
}
