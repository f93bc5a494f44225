import FlywheelEvents

// MARK: - ChallengerRestarts

/// The first version of each challenger since it last started over, shared by the promotion rules: answers of its
/// earlier versions (their labels arrive a label delay after the restart) are about a model that no longer exists.
struct ChallengerRestarts: Sendable, Hashable {
    private var firstVersion: [String: Int] = [:]

    /// Notes that `model`'s line started over at its version.
    mutating func note(_ model: ModelReference) {
        firstVersion[model.id] = max(firstVersion[model.id] ?? 0, model.version)
    }

    /// Whether an answer of `model` is evidence about its line as it is now (made since its last restart).
    func isCurrent(_ model: ModelReference) -> Bool { model.version >= firstVersion[model.id, default: 0] }
}
