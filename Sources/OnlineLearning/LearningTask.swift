// MARK: - LearningTask

/// What a stream asks a model to learn, and so what its labels hold: the domain's word for it, shared by the
/// datasets, the models, the loop and the command line.
public enum LearningTask: String, Sendable, Hashable, CaseIterable, Codable {
    /// Two classes: labels are class ids 0 and 1.
    case binary
    /// A value: labels are finite numbers.
    case regression
    /// More than two classes: labels are class ids 0, 1, 2, …
    case multiclass
}
