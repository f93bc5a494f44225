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
        migrator.registerMigration("2-recent-ids") { db in
            try db.execute(sql: """
                CREATE TABLE recent_ids (name TEXT NOT NULL, sequence INTEGER NOT NULL, id INTEGER NOT NULL,
                                         PRIMARY KEY (name, sequence))
                """)
        }
        database = try RegistrySchema.open(path, migrator: migrator, what: "the state store")
    }

    /// Replaces the snapshot `name` and, in the same transaction, adds `recentAdded` to its recent ids (any 64-bit
    /// numbers: fingerprints of request ids) and deletes
    /// those numbered below `recentKeptFrom` — so the snapshot, the input positions it holds and the ids it has
    /// applied change together or not at all.
    public func save(
        _ name: String, data: Data, ts: Double, recentAdded: [(sequence: Int64, id: Int64)] = [],
        recentKeptFrom: Int64? = nil
    ) throws(RegistryError) {
        do {
            // Cached statements: a trainer saves every few hundred examples, and compiling the three each time was
            // a visible share of its SQLite time (`perf`, docs/benchmarks.md).
            try database.write { db in
                try db.cachedStatement(
                    sql: "INSERT INTO snapshots (name, ts, data) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET ts = excluded.ts, data = excluded.data"
                ).execute(arguments: [name, ts, data])
                // Rows by ``recentRowsPerInsert`` per statement: executed one by one, the ids (one per example)
                // spent most of a save in GRDB's per-statement work.
                var rows = recentAdded[...]
                if rows.count >= Self.recentRowsPerInsert {
                    let many = try db.cachedStatement(sql: Self.insertManyRecentRows)
                    var values: [(any DatabaseValueConvertible)?] = []  // optional: the typed initializer, not the one over [Any]
                    values.reserveCapacity(3 * Self.recentRowsPerInsert)
                    while rows.count >= Self.recentRowsPerInsert {
                        values.removeAll(keepingCapacity: true)
                        for (sequence, id) in rows.prefix(Self.recentRowsPerInsert) {
                            values.append(name)
                            values.append(sequence)
                            values.append(id)
                        }
                        try many.execute(arguments: StatementArguments(values))
                        rows = rows.dropFirst(Self.recentRowsPerInsert)
                    }
                }
                if !rows.isEmpty {
                    let insert = try db.cachedStatement(sql: Self.insertOneRecentRow)
                    for (sequence, id) in rows { try insert.execute(arguments: [name, sequence, id]) }
                }
                if let recentKeptFrom {
                    try db.cachedStatement(sql: "DELETE FROM recent_ids WHERE name = ? AND sequence < ?")
                        .execute(arguments: [name, recentKeptFrom])
                }
            }
        } catch {
            throw RegistryError("writing snapshot '\(name)' to \(path) failed: \(error)")
        }
    }

    /// Recent ids written by one statement when a save adds at least as many.
    private static let recentRowsPerInsert = 64

    /// The statement adding ``recentRowsPerInsert`` recent ids, and the one adding one.
    private static let insertManyRecentRows = insertRecentRows(recentRowsPerInsert)
    private static let insertOneRecentRow = insertRecentRows(1)

    /// The statement adding `rows` recent ids (a later row for the same name and sequence replaces an earlier one).
    private static func insertRecentRows(_ rows: Int) -> String {
        "INSERT OR REPLACE INTO recent_ids (name, sequence, id) VALUES " + Array(repeating: "(?, ?, ?)", count: rows).joined(separator: ", ")
    }

    /// The recent ids saved with snapshot `name`, oldest first.
    public func recentIDs(_ name: String) throws(RegistryError) -> [(sequence: Int64, id: Int64)] {
        do {
            return try database.read { db in
                try Row.fetchAll(db, sql: "SELECT sequence, id FROM recent_ids WHERE name = ? ORDER BY sequence", arguments: [name])
                    .map { (sequence: $0["sequence"], id: $0["id"]) }
            }
        } catch {
            throw RegistryError("reading the recent ids of '\(name)' from \(path) failed: \(error)")
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
