// MARK: - ModelEvent

/// A change to the set of models (`model-event.schema.json`; topic `flywheel.models`, key: the model id).
public struct ModelEvent: Codable, Sendable, Hashable {
    /// What happened.
    public enum Kind: String, Codable, Sendable, Hashable {
        /// A new version of a model, with its weights.
        case version
        /// A shadow became the champion.
        case promotion
        /// A champion was replaced by the one it had replaced.
        case rollback
        /// A challenger was retired from testing for a while because it is significantly worse (`model`: the
        /// challenger; `replaces`: the champion it was compared with). Nothing changes in what is served.
        case retirement
    }

    /// What happened.
    public var kind: Kind
    /// When, in seconds since 1970.
    public var ts: Double
    /// The model version concerned (the new version, or the new champion).
    public var model: ModelReference
    /// The weights as a base64 ``OnlineLearning/ModelBlob`` (versions only).
    public var weights: String?
    /// The champion it replaces (promotions and rollbacks), or the champion a retired challenger lost to.
    public var replaces: ModelReference?
    /// The decision's evidence, e.g. samples, statistic, threshold (promotions, rollbacks and retirements).
    public var evidence: [String: EvidenceValue]?

    /// Makes a model event.
    public init(
        kind: Kind, ts: Double, model: ModelReference, weights: String? = nil, replaces: ModelReference? = nil,
        evidence: [String: EvidenceValue]? = nil
    ) {
        self.kind = kind
        self.ts = ts
        self.model = model
        self.weights = weights
        self.replaces = replaces
        self.evidence = evidence
    }
}

// MARK: - Restarts and cheap reading

extension ModelEvent {
    /// The ``EvidenceKey/reason`` of a version that starts a model over from nothing (the trainer's restart of a
    /// shadow after a drift alarm on the champion).
    public static let restartReason = "restarted after a drift alarm on the champion"

    /// Whether this is the first version of a model started over from nothing: evidence about its earlier versions
    /// is about another model.
    public var isRestart: Bool { kind == .version && evidence?[EvidenceKey.reason] == .text(Self.restartReason) }

    /// How a plain version event starts (sorted keys; a version with evidence, and every other kind, starts
    /// otherwise).
    private static let plainVersionPrefix = Array(#"{"kind":"version""#.utf8)

    /// The event in `bytes`, unless it is a plain version — most of the models topic, skipped by its first bytes
    /// without decoding its weights — or does not decode (the registry recorder dead-letters those, once): for roles
    /// that only act on decisions and restarts.
    public static func decodeUnlessPlainVersion(_ bytes: [UInt8]) -> ModelEvent? {
        guard !bytes.starts(with: plainVersionPrefix) else { return nil }
        return try? EventDecoding.decode(ModelEvent.self, from: bytes)
    }
}

// MARK: - EvidenceValue

/// One piece of evidence for a promotion or rollback: a number or a text.
public enum EvidenceValue: Codable, Sendable, Hashable {
    /// A number (a statistic, a count, a threshold).
    case number(Double)
    /// A text (the test's name, a note).
    case text(String)

    /// Decodes a JSON number or string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    /// Encodes as a JSON number or string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let number): try container.encode(number)
        case .text(let text): try container.encode(text)
        }
    }
}
