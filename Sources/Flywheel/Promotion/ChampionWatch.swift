import FlywheelEvents

// MARK: - ChampionWatch

/// Which champion a promotion rule's comparisons are against, shared by the rules: after a decision, examples still
/// served by the old champion (scored before the switch reached the inference engines) are skipped until the new
/// champion's first one arrives; a champion no decision named (an operator's promotion, a restart) is adopted.
struct ChampionWatch: Sendable, Hashable {
    /// What an example means for the comparisons.
    enum Observation: Sendable, Hashable {
        /// Served by a champion about to be replaced: do not count it.
        case skip
        /// Served by a champion the comparisons are not about yet: start them afresh.
        case newTenure
        /// Served by the current champion.
        case current
    }

    /// The serving model, at its newest version seen.
    private(set) var champion: ModelReference?
    /// The champion the current one replaced by a decision (the rollback guard).
    private(set) var previous: ModelReference?
    /// Examples skipped because a champion other than the current one served them.
    private(set) var skipped = 0
    /// The champion a decision named, until its first example arrives.
    private var awaited: String?

    /// Notes who served an example.
    mutating func observe(_ served: ModelReference) -> Observation {
        let observation: Observation
        if let awaited {
            guard served.id == awaited else {
                skipped += 1
                return .skip
            }
            self.awaited = nil
            observation = .newTenure
        } else {
            observation = champion?.id == served.id ? .current : .newTenure
        }
        champion = served
        return observation
    }

    /// Notes a decision for `winner`: the current champion becomes the previous one, and examples are skipped until
    /// the winner serves.
    mutating func decided(for winner: ModelReference) {
        previous = champion
        awaited = winner.id
    }
}
