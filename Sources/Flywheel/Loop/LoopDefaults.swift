// MARK: - LoopDefaults

/// Defaults more than one type of the loop shares, stated once.
public enum LoopDefaults {
    /// Joined examples between regular drift reports of each model (alarms are reported at once): 5,000.
    public static let driftReportEvery = 5000

    /// Request ids the trainer and the promoter remember to skip an example published twice: 1,000,000 (8 bytes
    /// each). A duplicate comes from a feedback restart, which reads again from its oldest waiting record — at most
    /// one join window back — so this should cover the examples of one join window (at 2,700 a second, 6 minutes).
    public static let recentRequests = 1_000_000
}
