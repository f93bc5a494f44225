import GRDB

// MARK: - RegistrySchema

/// The registry's tables, created and upgraded by numbered migrations (never edit a shipped one; add the next).
enum RegistrySchema {
    /// Opens (or creates) a SQLite file waiting up to 5 s for a lock, and brings it up to date with `migrator`.
    ///
    /// In write-ahead-log mode with `synchronous=FULL`: a commit appends to `<path>-wal` and syncs it once (the
    /// rollback journal synced the journal and the database, and deleted the journal, per commit; perf showed those
    /// syncs at ~15% of the trainer process at 15,000 requests/s, though the loop's rate did not measurably change),
    /// and is as durable (a commit survives `kill -9` and power loss).
    /// Readers in other processes see each commit; copy the file with `sqlite3 <path> ".backup <copy>"`, or after
    /// every writer has closed it (the log is then folded back in and removed).
    /// - Throws: ``RegistryError`` naming `what` and the path.
    static func open(_ path: String, migrator: DatabaseMigrator, what: String) throws(RegistryError) -> DatabaseQueue {
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            let database = try DatabaseQueue(path: path, configuration: configuration)
            try migrator.migrate(database)
            return database
        } catch {
            throw RegistryError("cannot open \(what) at \(path): \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1-versions-aliases-audit-offsets") { db in
            try db.execute(
                sql: """
                    CREATE TABLE versions (
                        model_id TEXT NOT NULL,
                        model_version INTEGER NOT NULL,
                        ts REAL NOT NULL,
                        weights BLOB NOT NULL,
                        PRIMARY KEY (model_id, model_version)
                    );
                    CREATE TABLE aliases (
                        name TEXT PRIMARY KEY,
                        model_id TEXT NOT NULL,
                        model_version INTEGER NOT NULL,
                        updated_ts REAL NOT NULL
                    );
                    CREATE TABLE audit_log (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        kind TEXT NOT NULL CHECK (kind IN ('promotion', 'rollback')),
                        ts REAL NOT NULL,
                        actor TEXT NOT NULL,
                        model_id TEXT NOT NULL,
                        model_version INTEGER NOT NULL,
                        replaces_id TEXT NOT NULL,
                        replaces_version INTEGER NOT NULL,
                        evidence TEXT NOT NULL,
                        UNIQUE (kind, ts, model_id, model_version, replaces_id, replaces_version)
                    );
                    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                    CREATE TABLE offsets (
                        topic TEXT NOT NULL,
                        partition INTEGER NOT NULL,
                        next_offset INTEGER NOT NULL,
                        PRIMARY KEY (topic, partition)
                    );
                    """)
        }
        migrator.registerMigration("2-drift-reports") { db in
            try db.execute(
                sql: """
                    CREATE TABLE drift_reports (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        model_id TEXT NOT NULL,
                        model_version INTEGER NOT NULL,
                        ts REAL NOT NULL,
                        from_ts REAL NOT NULL,
                        to_ts REAL NOT NULL,
                        examples INTEGER NOT NULL,
                        champion INTEGER,
                        alarm INTEGER NOT NULL,
                        report TEXT NOT NULL,
                        UNIQUE (model_id, ts, to_ts, examples)
                    );
                    CREATE INDEX drift_reports_by_model ON drift_reports (model_id, to_ts);
                    ALTER TABLE versions ADD COLUMN evidence TEXT;
                    """)
        }
        migrator.registerMigration("3-audit-log-retirements") { db in
            // SQLite cannot change a CHECK constraint in place: the log is copied into a table that also allows
            // 'retirement' (a challenger retired by the promotion test), in the same order, and the append-only
            // triggers are made again. Dropping a table runs no DELETE trigger.
            try db.execute(sql: rebuildAuditLog(
                as: "audit_log_3", unique: "kind, ts, model_id, model_version, replaces_id, replaces_version", insert: "INSERT"))
        }
        migrator.registerMigration("4-audit-log-decision-once") { db in
            // A decision is its kind and the two versions it names: the same decision published again (a promoter
            // restarted before its offsets were committed decides it again, at another time) is logged once. The
            // log is copied into a table with that uniqueness, keeping the first of any repeats, in order.
            try db.execute(sql: rebuildAuditLog(
                as: "audit_log_4", unique: "kind, model_id, model_version, replaces_id, replaces_version",
                insert: "INSERT OR IGNORE"))
        }
        migrator.registerMigration("5-audit-log-operator-freezes") { db in
            // An operator's freeze and unfreeze of automatic decisions are logged too, each time it happens; the
            // decisions stay unique by kind and versions through a partial index.
            try db.execute(sql: rebuildAuditLog(
                as: "audit_log_5", unique: nil, insert: "INSERT",
                kinds: "'promotion', 'rollback', 'retirement', 'freeze', 'unfreeze'") + decisionsOnce)
        }
        migrator.registerMigration("6-audit-log-label-guard") { db in
            // The label guard's pauses and resumptions of learning are logged too, each time.
            try db.execute(sql: rebuildAuditLog(
                as: "audit_log_6", unique: nil, insert: "INSERT",
                kinds: "'promotion', 'rollback', 'retirement', 'freeze', 'unfreeze', 'labelsSuspect', 'labelsTrusted'")
                + decisionsOnce)
        }
        return migrator
    }

    /// A decision about models is logged once, by its kind and the two versions it names (a partial index: the
    /// loop-state entries — freezes, label-guard pauses — are logged every time).
    private static let decisionsOnce = """

        CREATE UNIQUE INDEX audit_log_decision_once ON audit_log
            (kind, model_id, model_version, replaces_id, replaces_version)
            WHERE kind IN ('promotion', 'rollback', 'retirement');
        """

    /// The statements that copy the audit log, in order, into a new table `name` (entries of `kinds`, unique by the
    /// `unique` columns if given; `insert` is `INSERT` or `INSERT OR IGNORE` to keep the first of repeats), put it in
    /// the old one's place and make its append-only triggers again.
    private static func rebuildAuditLog(
        as name: String, unique: String?, insert: String, kinds: String = "'promotion', 'rollback', 'retirement'"
    ) -> String {
        """
        DROP TRIGGER audit_log_no_update;
        DROP TRIGGER audit_log_no_delete;
        CREATE TABLE \(name) (
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL CHECK (kind IN (\(kinds))),
            ts REAL NOT NULL,
            actor TEXT NOT NULL,
            model_id TEXT NOT NULL,
            model_version INTEGER NOT NULL,
            replaces_id TEXT NOT NULL,
            replaces_version INTEGER NOT NULL,
            evidence TEXT NOT NULL\(unique.map { ",\n    UNIQUE (\($0))" } ?? "")
        );
        \(insert) INTO \(name) SELECT * FROM audit_log ORDER BY sequence;
        DROP TABLE audit_log;
        ALTER TABLE \(name) RENAME TO audit_log;
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        """
    }
}
