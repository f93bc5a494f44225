import FlywheelEvents
import Foundation
import GRDB

// MARK: - RegistryWrites

/// The statements behind ``ModelRegistry/record(_:actor:position:)``, run inside its transaction.
enum RegistryWrites {
    /// Inserts a version, or an audit entry and the alias move; returns whether anything was new.
    static func insert(_ event: ModelEvent, actor: String, in db: Database) throws -> Bool {
        switch event.kind {
        case .version:
            guard let text = event.weights, let weights = Data(base64Encoded: text) else {
                throw RegistryError("version \(event.model) carries no readable weights")
            }
            let evidence = try event.evidence.map { String(decoding: try JSONEncoder.sorted.encode($0), as: UTF8.self) }
            try db.execute(
                sql: "INSERT OR IGNORE INTO versions (model_id, model_version, ts, weights, evidence) VALUES (?, ?, ?, ?, ?)",
                arguments: [event.model.id, event.model.version, event.ts, weights, evidence])
            return db.changesCount > 0
        case .promotion, .rollback:
            guard let replaced = event.replaces else {
                throw RegistryError("\(event.kind.rawValue) of \(event.model) does not say which champion it replaces")
            }
            let evidence = String(decoding: try JSONEncoder.sorted.encode(event.evidence ?? [:]), as: UTF8.self)
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO audit_log
                        (kind, ts, actor, model_id, model_version, replaces_id, replaces_version, evidence)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    event.kind.rawValue, event.ts, actor, event.model.id, event.model.version, replaced.id,
                    replaced.version, evidence,
                ])
            guard db.changesCount > 0 else { return false }
            try db.execute(
                sql: """
                    INSERT INTO aliases (name, model_id, model_version, updated_ts) VALUES (?, ?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET model_id = excluded.model_id,
                        model_version = excluded.model_version, updated_ts = excluded.updated_ts
                    """,
                arguments: [ModelRegistry.championAlias, event.model.id, event.model.version, event.ts])
            return true
        }
    }

    /// Stores the next offset to read on one partition (only ever moves forward).
    static func store(_ position: TopicPosition, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO offsets (topic, partition, next_offset) VALUES (?, ?, ?)
                ON CONFLICT (topic, partition) DO UPDATE SET next_offset = max(next_offset, excluded.next_offset)
                """,
            arguments: [position.topic, position.partition, position.nextOffset])
    }
}

extension JSONEncoder {
    /// An encoder with sorted keys, so the same evidence is always the same text.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
