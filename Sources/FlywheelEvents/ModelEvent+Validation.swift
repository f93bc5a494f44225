import Foundation

// MARK: - ModelEvent + Validation

extension ModelEvent {
    /// Why an event that decoded still cannot be applied or recorded, as a sentence naming the model, never a value;
    /// `nil` when it is whole: a version must carry base64 weights, a promotion or rollback must name the champion it
    /// replaces.
    public var problem: String? {
        switch kind {
        case .version:
            weightBytes == nil ? unreadableWeights : nil
        case .promotion, .rollback, .retirement:
            replaces == nil ? "\(kind.rawValue) of \(model) does not say which champion it replaces" : nil
        }
    }

    /// The ``problem`` of a version whose weights are missing or not base64.
    public var unreadableWeights: String { "version \(model) carries no readable weights" }

    /// The weights' bytes (a version's ``weights`` decoded from base64), if it carries readable ones.
    public var weightBytes: [UInt8]? {
        weights.flatMap { Data(base64Encoded: $0) }.map { Array($0) }
    }

    /// Who made the decision, as the audit log shows it: the evidence's `decidedBy`, or `trainer` for versions and
    /// decisions that do not say.
    public var actor: String {
        if case .text(let name) = evidence?[EvidenceKey.decidedBy] { return name }
        return "trainer"
    }
}

// MARK: - EvidenceKey

/// The evidence keys the roles read back from each other's events.
public enum EvidenceKey {
    /// Who decided (the promoter's name or an operator's).
    public static let decidedBy = "decidedBy"
    /// The request whose label completed the evidence.
    public static let decidedAtRequest = "decidedAtRequest"
    /// Why a version was published out of its cadence (``ModelEvent/restartReason``).
    public static let reason = "reason"
}
