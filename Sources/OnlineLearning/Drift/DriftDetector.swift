// MARK: - DriftState

/// What a concept-drift detector says after a value.
public enum DriftState: String, Sendable, Hashable, Codable {
    /// No change seen.
    case stable
    /// A change may be starting (detectors with a warning zone).
    case warning
    /// A change: the stream's distribution differs from what came before.
    case drift
}

// MARK: - DriftDetector

/// A concept-drift detector fed one value at a time — typically a model's 0/1 error or its loss.
///
/// As in river, a detector that reported a drift starts afresh (as if reset) at the next value, so each drift is
/// reported once and measured from a clean state. Detectors are plain values (`Codable`), saved and restored with the
/// model they watch.
public protocol DriftDetector: Sendable, Codable {
    /// Feeds one value and returns the state after it.
    @discardableResult
    mutating func update(_ value: Double) -> DriftState
    /// The state after the last value.
    var state: DriftState { get }
    /// Forgets everything seen (the settings stay).
    mutating func reset()
}

// MARK: - RunningMean

/// river's `stats.Mean` step by step (`n += 1; mean += (1 / n)(x − mean)`), so detectors built on it agree with
/// river's to the last bit.
struct RunningMean: Sendable, Hashable, Codable {
    var count = 0.0
    var mean = 0.0

    mutating func update(_ x: Double) {
        count += 1
        mean += (1 / count) * (x - mean)
    }
}
