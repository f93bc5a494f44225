import FlywheelEvents
import Foundation
import GRDB

// MARK: - StoredVersion

/// One model version as the registry keeps it.
public struct StoredVersion: Sendable, Hashable {
    /// Which model and version.
    public var model: ModelReference
    /// When it was published, in seconds since 1970.
    public var ts: Double
    /// The ``OnlineLearning/ModelBlob`` bytes.
    public var weights: [UInt8]
    /// Why this version was made, as sorted-key JSON, when its event said (e.g. a restart after a drift alarm).
    public var evidence: String?

    init(row: Row) {
        model = ModelReference(id: row["model_id"], version: row["model_version"])
        ts = row["ts"]
        weights = Array((row["weights"] as Data?) ?? Data())
        evidence = row["evidence"]
    }
}

// MARK: - AuditEntry

/// One promotion or rollback in the append-only audit log.
public struct AuditEntry: Sendable, Hashable {
    /// Its place in the log, from 1.
    public var sequence: Int
    /// Promotion or rollback.
    public var kind: ModelEvent.Kind
    /// When the decision was made, in seconds since 1970.
    public var ts: Double
    /// Who decided (the promoter's name, or an operator).
    public var actor: String
    /// The new champion.
    public var model: ModelReference
    /// The champion it replaced.
    public var replaces: ModelReference
    /// The decision's evidence as sorted-key JSON.
    public var evidence: String

    init(row: Row) {
        sequence = row["sequence"]
        kind = ModelEvent.Kind(rawValue: row["kind"]) ?? .promotion
        ts = row["ts"]
        actor = row["actor"]
        model = ModelReference(id: row["model_id"], version: row["model_version"])
        replaces = ModelReference(id: row["replaces_id"], version: row["replaces_version"])
        evidence = row["evidence"]
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
