import Foundation
import GRDB

// MARK: - ModelRegistry

/// The model registry in one SQLite file: every model version with its weights, aliases such as `champion`, an
/// append-only audit log of promotions and rollbacks with their evidence, the drift-report history, and the topic
/// offsets the registry reflects (written in the same transaction as the events, so a restart resumes exactly where it stopped).
///
/// Recording is idempotent: the same event recorded twice (a redelivery after a crash) changes nothing the second
/// time. docs/operations.md shows how to query the file with `sqlite3`.
public final class ModelRegistry: Sendable {
    /// The alias that names the serving model.
    public static let championAlias = "champion"

    private let database: DatabaseQueue
    /// Where the file is.
    public let path: String
    /// How many of each model's newest versions recording keeps (nil: every version). Older ones are deleted as new
    /// ones arrive — except a version the audit log names (a champion, a challenger it replaced, an operator's pick)
    /// or an alias points to, which stays for good.
    public let keepVersions: Int?

    /// Opens (or creates) the registry at `path` and brings its tables up to date.
    /// - Parameter keepVersions: the newest versions kept per model (nil, the default: all).
    /// - Throws: ``RegistryError`` naming the path when the file cannot be opened or migrated.
    public init(path: String, keepVersions: Int? = nil) throws(RegistryError) {
        precondition(keepVersions.map { $0 > 0 } ?? true, "keepVersions must be positive")
        self.path = path
        self.keepVersions = keepVersions
        database = try RegistrySchema.open(path, migrator: RegistrySchema.migrator, what: "the registry")
    }

    /// Records one model version with its weights, and optionally the models-topic position it came from, in one
    /// transaction (deleting that model's versions beyond ``keepVersions``).
    /// - Returns: whether the version was new (false for a redelivered one; the first copy is kept).
    /// - Throws: ``RegistryError`` when the version has no weights or the file cannot be written.
    @discardableResult
    public func record(_ version: StoredVersion, position: TopicPosition? = nil) throws(RegistryError) -> Bool {
        try record(versions: [(version, position)])[0]
    }

    /// Records model versions, each with the models-topic position it came from, in one transaction (one sync of the
    /// file for all of them: a version every 50 examples of four models would otherwise be ~0.45 ms of `fsync` each),
    /// then deletes each model's versions beyond ``keepVersions``.
    /// - Returns: for each version, whether it was new.
    @discardableResult
    public func record(versions: [(version: StoredVersion, position: TopicPosition?)]) throws(RegistryError) -> [Bool] {
        guard !versions.isEmpty else { return [] }
        return try write { db in
            var inserted: [Bool] = []
            for (version, position) in versions {
                inserted.append(try RegistryWrites.insert(version, in: db))
                if let position { try RegistryWrites.store(position, in: db) }
            }
            if let keepVersions {
                var pruned = Set<String>()
                for (index, entry) in versions.enumerated() where inserted[index] && pruned.insert(entry.version.model.id).inserted {
                    try RegistryWrites.prune(entry.version.model.id, keeping: keepVersions, in: db)
                }
            }
            return inserted
        }
    }

    /// Appends a promotion or rollback to the audit log and moves the `champion` alias to its winner, with the
    /// position it came from, in one transaction.
    /// - Returns: whether the decision was new (false for a redelivered one).
    @discardableResult
    public func record(_ decision: Decision, position: TopicPosition? = nil) throws(RegistryError) -> Bool {
        try write { db in
            let inserted = try RegistryWrites.insert(decision, in: db)
            if let position { try RegistryWrites.store(position, in: db) }
            return inserted
        }
    }

    /// Records one drift report, with the drift-topic position it came from, in one transaction.
    /// - Returns: whether the report was new (false for a redelivered one).
    @discardableResult
    public func record(_ report: StoredDriftReport, position: TopicPosition? = nil) throws(RegistryError) -> Bool {
        try write { db in
            let inserted = try RegistryWrites.insert(report, in: db)
            if let position { try RegistryWrites.store(position, in: db) }
            return inserted
        }
    }

    /// Every stored drift report's JSON text, oldest first.
    public func driftReportTexts() throws(RegistryError) -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT report FROM drift_reports ORDER BY sequence") }
    }

    /// Names `model` the champion unless a champion is already recorded (the start of a fresh registry).
    public func setInitialChampion(_ model: VersionID, ts: Double) throws(RegistryError) {
        try write { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO aliases (name, model_id, model_version, updated_ts) VALUES (?, ?, ?, ?)
                    """,
                arguments: [Self.championAlias, model.id, model.version, ts])
        }
    }

    /// The model an alias names, if any.
    public func alias(_ name: String) throws(RegistryError) -> VersionID? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT model_id, model_version FROM aliases WHERE name = ?", arguments: [name])
                .map { VersionID(id: $0["model_id"], version: $0["model_version"]) }
        }
    }

    /// Every stored version of a model, oldest first.
    public func versions(of modelID: String) throws(RegistryError) -> [StoredVersion] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT model_id, model_version, ts, weights, evidence FROM versions WHERE model_id = ? ORDER BY model_version",
                arguments: [modelID]
            ).map { StoredVersion(row: $0) }
        }
    }

    /// Every stored version number of a model with when it was stored, oldest first — without the weights.
    public func versionList(of modelID: String) throws(RegistryError) -> [(version: Int, ts: Double)] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT model_version, ts FROM versions WHERE model_id = ? ORDER BY model_version", arguments: [modelID]
            ).map { (version: $0["model_version"], ts: $0["ts"]) }
        }
    }

    /// The newest stored version of a model, if any.
    public func latestVersion(of modelID: String) throws(RegistryError) -> StoredVersion? {
        try read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT model_id, model_version, ts, weights, evidence FROM versions WHERE model_id = ? ORDER BY model_version DESC LIMIT 1",
                arguments: [modelID]
            ).map { StoredVersion(row: $0) }
        }
    }

    /// What a serving process needs to start without replaying the models topic, read in one transaction so its
    /// parts agree: the newest version of every model, the champion alias, and the position in `topic` the registry
    /// has recorded up to.
    public func snapshot(topic: String) throws(RegistryError) -> RegistrySnapshot {
        try read { db in
            let latest = try Row.fetchAll(
                db,
                sql: """
                    SELECT v.model_id, v.model_version, v.ts, v.weights, v.evidence FROM versions v
                    JOIN (SELECT model_id, MAX(model_version) AS newest FROM versions GROUP BY model_id) m
                      ON v.model_id = m.model_id AND v.model_version = m.newest
                    ORDER BY v.model_id
                    """
            ).map { StoredVersion(row: $0) }
            let champion = try Row.fetchOne(
                db, sql: "SELECT model_id, model_version FROM aliases WHERE name = ?", arguments: [Self.championAlias]
            ).map { VersionID(id: $0["model_id"], version: $0["model_version"]) }
            let positions = try Row.fetchAll(
                db, sql: "SELECT topic, partition, next_offset FROM offsets WHERE topic = ? ORDER BY partition",
                arguments: [topic]
            ).map { TopicPosition(topic: $0["topic"], partition: $0["partition"], nextOffset: $0["next_offset"]) }
            return RegistrySnapshot(latest: latest, champion: champion, positions: positions)
        }
    }

    /// How many versions are stored, over all models.
    public func versionCount() throws(RegistryError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM versions") ?? 0 }
    }

    /// The audit log, oldest first.
    public func auditLog() throws(RegistryError) -> [AuditEntry] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_log ORDER BY sequence").map { AuditEntry(row: $0) }
        }
    }

    /// The operator's latest freeze or unfreeze, or nil if there was none: automatic decisions are frozen while the
    /// latest one is a freeze.
    public func latestFreezeEntry() throws(RegistryError) -> AuditEntry? {
        try read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM audit_log WHERE kind IN ('freeze', 'unfreeze') ORDER BY sequence DESC LIMIT 1"
            ).map { AuditEntry(row: $0) }
        }
    }

    /// The models-topic positions recorded so far: the next offset to read, per partition.
    public func positions(topic: String) throws(RegistryError) -> [TopicPosition] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT topic, partition, next_offset FROM offsets WHERE topic = ? ORDER BY partition",
                arguments: [topic]
            ).map { TopicPosition(topic: $0["topic"], partition: $0["partition"], nextOffset: $0["next_offset"]) }
        }
    }

    private func write<T>(_ body: (Database) throws -> T) throws(RegistryError) -> T {
        do {
            return try database.write(body)
        } catch {
            throw RegistryError("writing to the registry at \(path) failed: \(error)")
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws(RegistryError) -> T {
        do {
            return try database.read(body)
        } catch {
            throw RegistryError("reading the registry at \(path) failed: \(error)")
        }
    }
}
