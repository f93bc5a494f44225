// MARK: - TrainerStateError

/// A trainer state file that cannot be resumed from on this cluster.
public struct TrainerStateError: Error, Sendable, CustomStringConvertible {
    /// Why, naming the file, the partition and what to do.
    public var reason: String

    /// `TrainerStateError: <reason>`.
    public var description: String { "TrainerStateError: \(reason)" }
}
