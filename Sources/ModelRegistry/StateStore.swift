import Foundation
import GRDB

// MARK: - StateStore

/// A small SQLite file a role keeps its own state in across restarts (the feedback role: its join, scoreboard and
/// drift monitor), as named snapshots written whole in one transaction. Separate from the registry: roles may run on
/// different machines.
public final class StateStore: Sendable {
    private let database: DatabaseQueue
    /// Where the file is.
    public let path: String

    /// Opens (or creates) the store.
    /// - Throws: ``RegistryError`` naming the path when the file cannot be opened.
    public init(path: String) throws(RegistryError) {
        self.path = path
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1-snapshots") { db in
            try db.execute(sql: "CREATE TABLE snapshots (name TEXT PRIMARY KEY, ts REAL NOT NULL, data BLOB NOT NULL)")
        }
        database = try RegistrySchema.open(path, migrator: migrator, what: "the state store")
    }

    /// Replaces the snapshot `name`.
    public func save(_ name: String, data: Data, ts: Double) throws(RegistryError) {
        do {
            try database.write { db in
                try db.execute(
                    sql: "INSERT INTO snapshots (name, ts, data) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET ts = excluded.ts, data = excluded.data",
                    arguments: [name, ts, data])
            }
        } catch {
            throw RegistryError("writing snapshot '\(name)' to \(path) failed: \(error)")
        }
    }

    /// The snapshot `name`, if saved.
    public func load(_ name: String) throws(RegistryError) -> Data? {
        do {
            return try database.read { db in try Data.fetchOne(db, sql: "SELECT data FROM snapshots WHERE name = ?", arguments: [name]) }
        } catch {
            throw RegistryError("reading snapshot '\(name)' from \(path) failed: \(error)")
        }
    }
}
