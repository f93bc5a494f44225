import Foundation
import GRDB

// MARK: - VersionID

/// A model and one of its versions, as the registry names them (the events' `modelRef`).
public struct VersionID: Sendable, Hashable, CustomStringConvertible {
    /// The model id.
    public var id: String
    /// The version, from 1.
    public var version: Int

    /// Names a model version.
    public init(id: String, version: Int) {
        self.id = id
        self.version = version
    }

    /// `id@version`.
    public var description: String { "\(id)@\(version)" }
}

// MARK: - StoredVersion

/// One model version as the registry keeps it.
public struct StoredVersion: Sendable, Hashable {
    /// Which model and version.
    public var model: VersionID
    /// When it was published, in seconds since 1970.
    public var ts: Double
    /// The saved model's bytes (an `OnlineLearning.ModelBlob`; the registry does not read them).
    public var weights: [UInt8]
    /// Why this version was made, as sorted-key JSON, when its event said (e.g. a restart after a drift alarm).
    public var evidence: String?

    /// Makes a version to record.
    public init(model: VersionID, ts: Double, weights: [UInt8], evidence: String? = nil) {
        self.model = model
        self.ts = ts
        self.weights = weights
        self.evidence = evidence
    }

    init(row: Row) {
        model = VersionID(id: row["model_id"], version: row["model_version"])
        ts = row["ts"]
        weights = Array((row["weights"] as Data?) ?? Data())
        evidence = row["evidence"]
    }
}

// MARK: - Decision

/// A promotion, rollback or retirement to record in the append-only audit log.
public struct Decision: Sendable, Hashable {
    /// What kind of decision.
    public enum Kind: String, Sendable, Hashable {
        /// A challenger became the champion.
        case promotion
        /// A champion was replaced by the one it had replaced.
        case rollback
        /// A challenger was retired from testing for a while (`model`: the challenger; `replaces`: the champion it
        /// lost to). The champion alias does not move.
        case retirement
        /// An operator stopped automatic decisions (`model` and `replaces`: the champion then). Logged every time.
        case freeze
        /// An operator resumed automatic decisions (`model` and `replaces`: the champion then). Logged every time.
        case unfreeze
        /// The label guard suspected the labels and learning paused (`model` and `replaces`: the champion then).
        case labelsSuspect
        /// The labels are trusted again and learning resumed, by the guard or an operator.
        case labelsTrusted

        /// Whether the entry is about the loop's state (a freeze, a label-guard pause) rather than a decision about
        /// models: it moves no alias and is logged every time.
        public var isLoopStateChange: Bool { self == .freeze || self == .unfreeze || self == .labelsSuspect || self == .labelsTrusted }
    }

    /// Promotion, rollback, retirement, freeze or unfreeze.
    public var kind: Kind
    /// When the decision was made, in seconds since 1970.
    public var ts: Double
    /// Who decided (the promoter's name, or an operator).
    public var actor: String
    /// The new champion.
    public var model: VersionID
    /// The champion it replaced.
    public var replaces: VersionID
    /// The decision's evidence as sorted-key JSON.
    public var evidence: String

    /// Makes a decision to record.
    public init(kind: Kind, ts: Double, actor: String, model: VersionID, replaces: VersionID, evidence: String) {
        self.kind = kind
        self.ts = ts
        self.actor = actor
        self.model = model
        self.replaces = replaces
        self.evidence = evidence
    }
}

// MARK: - AuditEntry

/// One promotion or rollback in the append-only audit log, with its place in the log.
public struct AuditEntry: Sendable, Hashable {
    /// Its place in the log, from 1.
    public var sequence: Int
    /// The decision as recorded.
    public var decision: Decision

    /// Promotion or rollback.
    public var kind: Decision.Kind { decision.kind }
    /// When the decision was made, in seconds since 1970.
    public var ts: Double { decision.ts }
    /// Who decided.
    public var actor: String { decision.actor }
    /// The new champion.
    public var model: VersionID { decision.model }
    /// The champion it replaced.
    public var replaces: VersionID { decision.replaces }
    /// The decision's evidence as sorted-key JSON.
    public var evidence: String { decision.evidence }

    init(row: Row) {
        sequence = row["sequence"]
        decision = Decision(
            kind: Decision.Kind(rawValue: row["kind"]) ?? .promotion, ts: row["ts"], actor: row["actor"],
            model: VersionID(id: row["model_id"], version: row["model_version"]),
            replaces: VersionID(id: row["replaces_id"], version: row["replaces_version"]), evidence: row["evidence"])
    }
}

// MARK: - StoredDriftReport

/// One drift report as the registry keeps it: the columns it is queried by, and the whole report as JSON text.
public struct StoredDriftReport: Sendable, Hashable {
    /// The model version the report is about.
    public var model: VersionID
    /// When the report was made.
    public var ts: Double
    /// The window's first and last label times.
    public var fromTs: Double, toTs: Double
    /// How many examples the window holds.
    public var examples: Int
    /// Whether the model was serving at the window's end (`nil` when the report did not say).
    public var champion: Bool?
    /// Whether a detector fired.
    public var alarm: Bool
    /// The whole report, as JSON text.
    public var json: String

    /// Makes a report to record.
    public init(
        model: VersionID, ts: Double, fromTs: Double, toTs: Double, examples: Int, champion: Bool?, alarm: Bool,
        json: String
    ) {
        self.model = model
        self.ts = ts
        self.fromTs = fromTs
        self.toTs = toTs
        self.examples = examples
        self.champion = champion
        self.alarm = alarm
        self.json = json
    }
}

// MARK: - TopicPosition

/// The next offset to read on one partition of a topic.
public struct TopicPosition: Sendable, Hashable {
    /// The topic.
    public var topic: String
    /// The partition.
    public var partition: Int32
    /// The offset of the next record to read.
    public var nextOffset: Int64

    /// Makes a position.
    public init(topic: String, partition: Int32, nextOffset: Int64) {
        self.topic = topic
        self.partition = partition
        self.nextOffset = nextOffset
    }
}

// MARK: - RegistryError

/// The registry could not be opened, read or written; the sentence names the file and the cause.
public struct RegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why, as a sentence.
    public let reason: String

    /// Makes an error.
    public init(_ reason: String) { self.reason = reason }

    /// `RegistryError: <reason>`.
    public var description: String { "RegistryError: \(reason)" }
}

// MARK: - RegistrySnapshot

/// The registry's view of the models at one point of the models topic (``ModelRegistry/snapshot(topic:)``).
public struct RegistrySnapshot: Sendable {
    /// The newest stored version of every model.
    public var latest: [StoredVersion]
    /// The champion alias, if set.
    public var champion: VersionID?
    /// The next offset to read in each partition of the models topic after what the snapshot reflects.
    public var positions: [TopicPosition]
}
