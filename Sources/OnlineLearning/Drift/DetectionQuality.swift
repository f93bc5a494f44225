// MARK: - DetectionQuality

/// How well alarms match known drift positions: each drift is detected by the first alarm at or after it and before
/// the next drift (its delay is the distance); every other alarm is a false alarm.
public struct DetectionQuality: Sendable, Hashable {
    /// Drifts with an alarm before the next drift.
    public var detected: Int
    /// Drifts without one.
    public var missed: Int
    /// Mean distance from a detected drift to its alarm, in samples (0 when none was detected).
    public var meanDelay: Double
    /// Alarms that detected no drift.
    public var falseAlarms: Int
    /// `falseAlarms` per 10,000 samples of the stream.
    public var falseAlarmsPer10k: Double

    /// Scores `alarms` (sorted indices) against `drifts` (sorted positions) on a stream of `length` samples.
    public init(alarms: [Int], drifts: [Int], length: Int) {
        var detected = 0, totalDelay = 0
        var used = Set<Int>()
        for (index, position) in drifts.enumerated() {
            let end = index + 1 < drifts.count ? drifts[index + 1] : length
            if let alarm = alarms.first(where: { $0 >= position && $0 < end }) {
                detected += 1
                totalDelay += alarm - position
                used.insert(alarm)
            }
        }
        self.detected = detected
        missed = drifts.count - detected
        meanDelay = detected > 0 ? Double(totalDelay) / Double(detected) : 0
        falseAlarms = alarms.count - used.count
        falseAlarmsPer10k = Double(falseAlarms) * 10_000 / Double(length)
    }

    /// The dummy baseline "fire every `period` samples", averaged over every phase (so it cannot gain from drifts
    /// that fall on round numbers): mean delay and false alarms per 10,000 over phases 0, `step`, 2·`step`, ….
    public static func periodicBaseline(period: Int, drifts: [Int], length: Int, step: Int = 1) -> (meanDelay: Double, falseAlarmsPer10k: Double, missed: Double) {
        precondition(period > 0 && step > 0)
        var delay = 0.0, falseAlarms = 0.0, missed = 0.0, phases = 0.0
        for phase in stride(from: 0, to: period, by: step) {
            let alarms = Array(stride(from: phase, to: length, by: period))
            let quality = DetectionQuality(alarms: alarms, drifts: drifts, length: length)
            delay += quality.meanDelay
            falseAlarms += quality.falseAlarmsPer10k
            missed += Double(quality.missed)
            phases += 1
        }
        return (delay / phases, falseAlarms / phases, missed / phases)
    }
}
