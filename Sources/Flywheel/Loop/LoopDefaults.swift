// MARK: - LoopDefaults

/// Defaults more than one type of the loop shares, stated once.
public enum LoopDefaults {
    /// Joined examples between regular drift reports of each model (alarms are reported at once): 5,000.
    public static let driftReportEvery = 5000
}
