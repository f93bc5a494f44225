import Foundation
import GRDB

// MARK: - RegistryWrites

/// The statements behind ``ModelRegistry``'s recording methods, run inside their transactions; each compiled once per
/// connection (`cachedStatement`), as the recorder runs them for every batch of versions.
enum RegistryWrites {
    /// Inserts a version unless that model version is stored already; returns whether it was new.
    static func insert(_ version: StoredVersion, in db: Database) throws -> Bool {
        guard !version.weights.isEmpty else { throw RegistryError("version \(version.model) carries no weights") }
        try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO versions (model_id, model_version, ts, weights, evidence) VALUES (?, ?, ?, ?, ?)"
        ).execute(arguments: [version.model.id, version.model.version, version.ts, Data(version.weights), version.evidence])
        return db.changesCount > 0
    }

    /// Deletes `modelID`'s versions older than its `count` newest, except those the audit log names (as the winner or
    /// the model replaced) and those an alias points to.
    static func prune(_ modelID: String, keeping count: Int, in db: Database) throws {
        try db.cachedStatement(
            sql: """
                DELETE FROM versions
                WHERE model_id = ?1
                  AND model_version <= (SELECT model_version FROM versions WHERE model_id = ?1
                                        ORDER BY model_version DESC LIMIT 1 OFFSET ?2)
                  AND NOT EXISTS (SELECT 1 FROM audit_log a
                                  WHERE (a.model_id = ?1 AND a.model_version = versions.model_version)
                                     OR (a.replaces_id = ?1 AND a.replaces_version = versions.model_version))
                  AND NOT EXISTS (SELECT 1 FROM aliases
                                  WHERE aliases.model_id = ?1 AND aliases.model_version = versions.model_version)
                """
        ).execute(arguments: [modelID, count])
    }

    /// Appends a decision to the audit log — unless the same decision (kind and both versions, whatever its time) is
    /// logged already — and, for a promotion or rollback of the current champion, moves the champion alias to its
    /// winner (a decision replacing a model that is no longer champion is logged but moves nothing, as in the serving
    /// processes); returns whether it was new.
    static func insert(_ decision: Decision, in db: Database) throws -> Bool {
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO audit_log
                    (kind, ts, actor, model_id, model_version, replaces_id, replaces_version, evidence)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
                decision.kind.rawValue, decision.ts, decision.actor, decision.model.id, decision.model.version,
                decision.replaces.id, decision.replaces.version, decision.evidence,
            ])
        guard db.changesCount > 0 else { return false }
        guard decision.kind != .retirement, !decision.kind.isLoopStateChange else { return true }
        let champion = try String.fetchOne(
            db, sql: "SELECT model_id FROM aliases WHERE name = ?", arguments: [ModelRegistry.championAlias])
        guard champion == nil || champion == decision.replaces.id else { return true }
        try db.cachedStatement(
            sql: """
                INSERT INTO aliases (name, model_id, model_version, updated_ts) VALUES (?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET model_id = excluded.model_id,
                    model_version = excluded.model_version, updated_ts = excluded.updated_ts
                """
        ).execute(arguments: [ModelRegistry.championAlias, decision.model.id, decision.model.version, decision.ts])
        return true
    }

    /// Inserts a drift report unless it is stored already; returns whether it was new.
    static func insert(_ report: StoredDriftReport, in db: Database) throws -> Bool {
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO drift_reports
                    (model_id, model_version, ts, from_ts, to_ts, examples, champion, alarm, report)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
                report.model.id, report.model.version, report.ts, report.fromTs, report.toTs, report.examples,
                report.champion, report.alarm, report.json,
            ])
        return db.changesCount > 0
    }

    /// Stores the next offset to read on one partition (only ever moves forward).
    static func store(_ position: TopicPosition, in db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO offsets (topic, partition, next_offset) VALUES (?, ?, ?)
                ON CONFLICT (topic, partition) DO UPDATE SET next_offset = max(next_offset, excluded.next_offset)
                """
        ).execute(arguments: [position.topic, position.partition, position.nextOffset])
    }
}
