import Foundation

// MARK: - HDDMA

/// The Hoeffding drift detection method with moving averages, A-test (Frías-Blanco et al. 2014), as river's
/// `drift.binary.HDDMA` with its defaults: the running mean is compared with the mean at the point where it was
/// lowest (by Hoeffding bounds); an increase significant at `driftConfidence` is a drift, at `warningConfidence` a
/// warning. `twoSided` also detects decreases.
public struct HDDMA: DriftDetector, Hashable {
    /// Drift significance. Default: 0.001.
    public let driftConfidence: Double
    /// Warning significance. Default: 0.005.
    public let warningConfidence: Double
    /// Detect decreases too. Default: false.
    public let twoSided: Bool

    public private(set) var state = DriftState.stable
    private var total = RunningMean()
    private var atMinimum = RunningMean()
    private var atMaximum = RunningMean()

    /// Makes a detector.
    public init(driftConfidence: Double = 0.001, warningConfidence: Double = 0.005, twoSided: Bool = false) {
        self.driftConfidence = driftConfidence
        self.warningConfidence = warningConfidence
        self.twoSided = twoSided
    }

    public mutating func update(_ value: Double) -> DriftState {
        if state == .drift { reset() }
        total.update(value)
        if atMinimum.count == 0 { atMinimum = total }
        if atMaximum.count == 0 { atMaximum = total }
        let totalBound = hoeffdingBound(total.count)
        if atMinimum.mean + hoeffdingBound(atMinimum.count) >= total.mean + totalBound { atMinimum = total }
        if atMaximum.mean - hoeffdingBound(atMaximum.count) <= total.mean - totalBound { atMaximum = total }
        if increased(driftConfidence) {
            state = .drift
        } else if increased(warningConfidence) {
            state = .warning
        } else {
            state = .stable
        }
        if twoSided {
            if decreased(driftConfidence) {
                state = .drift
            } else if decreased(warningConfidence), state != .drift {
                state = .warning
            }
        }
        return state
    }

    public mutating func reset() {
        self = HDDMA(driftConfidence: driftConfidence, warningConfidence: warningConfidence, twoSided: twoSided)
    }

    private func hoeffdingBound(_ n: Double) -> Double {
        (1.0 / (2 * n) * log(1.0 / driftConfidence)).squareRoot()
    }

    private func increased(_ confidence: Double) -> Bool {
        guard atMinimum.count != total.count else { return false }
        let m = (total.count - atMinimum.count) / atMinimum.count * (1.0 / total.count)
        return total.mean - atMinimum.mean >= (m / 2 * log(2.0 / confidence)).squareRoot()
    }

    private func decreased(_ confidence: Double) -> Bool {
        guard atMaximum.count != total.count else { return false }
        let m = (total.count - atMaximum.count) / atMaximum.count * (1.0 / total.count)
        return atMaximum.mean - total.mean >= (m / 2 * log(2.0 / confidence)).squareRoot()
    }
}
