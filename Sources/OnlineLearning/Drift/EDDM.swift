import Foundation

// MARK: - EDDM

/// The Early Drift Detection Method (Baena-García et al. 2006) on a 0/1 error stream, as river's
/// `drift.binary.EDDM` with its defaults: it watches the distance between consecutive errors; once `warmStart`
/// values and errors are in, `(mean + 2·sd)` of the distances falling below `beta` (0.9) of its maximum is a drift,
/// below `alpha` (0.95) a warning.
///
/// As in river, the warning flag is only re-evaluated on errors, and a drift does not clear it.
public struct EDDM: DriftDetector, Hashable {
    /// Values and errors before the test starts. Default: 30.
    public let warmStart: Int
    /// Warning level. Default: 0.95.
    public let alpha: Double
    /// Drift level. Default: 0.9.
    public let beta: Double

    private var drifted = false
    private var warned = false
    private var distances = RunningMean()
    private var squaredDeviations = 0.0
    private var count = 0
    private var lastError = 0
    private var errors = 0
    private var maximumLevel = -1.0

    /// Makes a detector (`alpha` must be at least `beta`).
    public init(warmStart: Int = 30, alpha: Double = 0.95, beta: Double = 0.9) {
        precondition(alpha >= beta, "EDDM's alpha must be at least beta.")
        self.warmStart = warmStart
        self.alpha = alpha
        self.beta = beta
    }

    public var state: DriftState { drifted ? .drift : (warned ? .warning : .stable) }

    /// Whether the warning flag is up (it can be, with a drift; see the type's note).
    public var isWarning: Bool { warned }

    public mutating func update(_ value: Double) -> DriftState {
        if drifted { reset() }
        count += 1
        if value == 1 {
            errors += 1
            let distance = Double(count - lastError)
            let oldMean = distances.mean
            distances.update(distance)
            squaredDeviations += (distance - oldMean) * (distance - distances.mean)
            if count > warmStart {
                let variance = distances.count > 1 ? squaredDeviations / (distances.count - 1) : 0
                let level = distances.mean + 2 * pow(variance, 0.5)
                if level > maximumLevel {
                    maximumLevel = level
                } else if errors > warmStart {
                    let ratio = level / maximumLevel
                    if ratio < beta {
                        drifted = true
                    } else {
                        warned = ratio < alpha
                    }
                }
            }
            lastError = count
        }
        return state
    }

    public mutating func reset() {
        self = EDDM(warmStart: warmStart, alpha: alpha, beta: beta)
    }
}
