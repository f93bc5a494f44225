import Foundation
import ModelRegistry
import Testing

/// The registry on a real SQLite file: versions with weights, the champion alias, the append-only audit log with
/// evidence, idempotent redelivery, offsets kept with the events, and reopening.
@Suite("Model registry (SQLite)")
struct ModelRegistryTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("registry-\(UUID().uuidString).sqlite").path
    }

    static func version(_ id: String, _ number: Int, bytes: [UInt8] = [1, 2, 3]) -> StoredVersion {
        StoredVersion(model: .init(id: id, version: number), ts: 1_700_000_000 + Double(number), weights: bytes)
    }

    /// A state store's recent ids, whatever a save adds: none, fewer than one statement's rows, several full
    /// statements and a remainder, and again past a deletion — every id back in order after reopening, per name.
    @Test func stateStoreKeepsEveryRecentIDAcrossSaves() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var expected: [(sequence: Int64, id: Int64)] = []
        var next: Int64 = 0
        do {
            let store = try StateStore(path: path)
            for (saveIndex, added) in [0, 5, 64, 200, 129, 1].enumerated() {
                let rows = (0..<added).map { _ -> (sequence: Int64, id: Int64) in
                    defer { next += 1 }
                    return (next, next &* -7_046_029_254_386_353_131)  // any 64-bit numbers, negative ones too
                }
                expected += rows
                // The fourth save keeps only the ids from sequence 100 on.
                let keptFrom: Int64? = saveIndex == 3 ? 100 : nil
                if let keptFrom { expected.removeAll { $0.sequence < keptFrom } }
                try store.save("trainer", data: Data([UInt8(saveIndex)]), ts: Double(saveIndex), recentAdded: rows, recentKeptFrom: keptFrom)
                try store.save("other", data: Data(), ts: 0, recentAdded: [(Int64(saveIndex), 1)])
            }
        }
        let reopened = try StateStore(path: path)
        let restored = try reopened.recentIDs("trainer")
        #expect(restored.map(\.sequence) == expected.map(\.sequence))
        #expect(restored.map(\.id) == expected.map(\.id))
        #expect(restored.count == 5 + 64 + 200 + 129 + 1 - 100)
        #expect(try reopened.recentIDs("other").map(\.sequence) == [0, 1, 2, 3, 4, 5])
        #expect(try reopened.load("trainer") == Data([5]))
    }

    @Test func versionsPromotionsAndAliasesSurviveReopening() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let registry = try ModelRegistry(path: path)
            try registry.setInitialChampion(.init(id: "logreg", version: 1), ts: 1)
            #expect(try registry.record(Self.version("fast", 2, bytes: [9, 8])))
            #expect(try registry.record(Self.version("fast", 3)))
            let promotion = Decision(
                kind: .promotion, ts: 1_700_000_100, actor: "promoter", model: .init(id: "fast", version: 3),
                replaces: .init(id: "logreg", version: 7), evidence: #"{"rule":"margin","samples":1000}"#)
            #expect(try registry.record(promotion, position: .init(topic: "m", partition: 0, nextOffset: 12)))
            #expect(try registry.alias(ModelRegistry.championAlias) == .init(id: "fast", version: 3))
            // A second initial champion does not move the alias.
            try registry.setInitialChampion(.init(id: "other", version: 1), ts: 2)
        }
        let reopened = try ModelRegistry(path: path)
        #expect(try reopened.alias(ModelRegistry.championAlias) == .init(id: "fast", version: 3))
        let versions = try reopened.versions(of: "fast")
        #expect(versions.map(\.model.version) == [2, 3])
        #expect(versions[0].weights == [9, 8])
        let listed = try reopened.versionList(of: "fast")
        #expect(listed.map(\.version) == [2, 3] && listed.map(\.ts) == versions.map(\.ts), "the list without the weights agrees")
        #expect(try reopened.versionList(of: "nobody").isEmpty)
        let log = try reopened.auditLog()
        #expect(log.count == 1)
        #expect(log[0].kind == .promotion && log[0].actor == "promoter")
        #expect(log[0].replaces == .init(id: "logreg", version: 7))
        #expect(log[0].evidence == #"{"rule":"margin","samples":1000}"#)
        #expect(try reopened.positions(topic: "m") == [.init(topic: "m", partition: 0, nextOffset: 12)])
    }

    /// With `keepVersions`, each model keeps its newest versions; one the audit log names (winner or replaced) or the
    /// champion alias points to stays whatever its age, and other models are untouched.
    @Test func oldVersionsAreDeletedExceptAuditedOnes() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let registry = try ModelRegistry(path: path, keepVersions: 3)
        try registry.setInitialChampion(.init(id: "a", version: 1), ts: 1)
        #expect(try registry.record(Self.version("a", 1)))
        for number in 2...4 { #expect(try registry.record(Self.version("b", number))) }
        try registry.record(Decision(
            kind: .promotion, ts: 2, actor: "promoter", model: .init(id: "b", version: 3), replaces: .init(id: "a", version: 1),
            evidence: #"{"samples":10}"#))
        for number in 5...10 { #expect(try registry.record(Self.version("b", number))) }
        for number in 2...9 { #expect(try registry.record(Self.version("a", number))) }
        #expect(try registry.versionList(of: "b").map(\.version) == [3, 8, 9, 10], "the newest three and the promoted one")
        #expect(try registry.versionList(of: "a").map(\.version) == [1, 7, 8, 9], "the newest three and the one replaced")
        #expect(try registry.alias(ModelRegistry.championAlias) == .init(id: "b", version: 3))
        let initial = try ModelRegistry(path: Self.temporaryPath(), keepVersions: 2)
        defer { try? FileManager.default.removeItem(atPath: initial.path) }
        try initial.setInitialChampion(.init(id: "c", version: 1), ts: 1)
        for number in 1...5 { try initial.record(Self.version("c", number)) }
        #expect(try initial.versionList(of: "c").map(\.version) == [1, 4, 5], "the alias's version stays")
        let everything = try ModelRegistry(path: Self.temporaryPath())
        defer { try? FileManager.default.removeItem(atPath: everything.path) }
        for number in 1...10 { try everything.record(Self.version("b", number)) }
        #expect(try everything.versionCount() == 10, "without keepVersions every version stays")
    }

    /// Versions recorded together (the recorder's consecutive versions: one transaction, one sync) end as if recorded
    /// one by one: the newest `keepVersions` of each model, the positions stored, a redelivered batch changing nothing.
    @Test func versionsRecordedTogetherAreKeptAsOneByOne() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let registry = try ModelRegistry(path: path, keepVersions: 3)
        let batch = (1...5).flatMap { number in
            ["a", "b"].map { id in
                (version: Self.version(id, number), position: TopicPosition?.some(.init(topic: "models", partition: 0, nextOffset: Int64(number))))
            }
        }
        #expect(try registry.record(versions: batch) == Array(repeating: true, count: 10))
        #expect(try registry.versionList(of: "a").map(\.version) == [3, 4, 5] && registry.versionList(of: "b").map(\.version) == [3, 4, 5])
        #expect(try registry.positions(topic: "models").map(\.nextOffset) == [5])
        #expect(try registry.record(versions: Array(batch.suffix(2))) == [false, false], "a redelivered version is not new")
        #expect(try registry.record(versions: []) == [])
    }

    @Test func redeliveredEventsChangeNothing() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let registry = try ModelRegistry(path: path)
        let rollback = Decision(
            kind: .rollback, ts: 5, actor: "p", model: .init(id: "a", version: 1), replaces: .init(id: "b", version: 2),
            evidence: #"{"samples":10}"#)
        #expect(try registry.record(Self.version("a", 1), position: .init(topic: "m", partition: 1, nextOffset: 4)))
        #expect(try !registry.record(Self.version("a", 1, bytes: [7])), "same version twice")
        #expect(try registry.record(rollback))
        #expect(try !registry.record(rollback), "same decision twice")
        var again = rollback
        again.ts = 9
        again.actor = "p-restarted"
        #expect(try !registry.record(again), "the same decision made again later, by a restarted promoter, is logged once")
        // A promotion that replaces a model which is not the champion any more is logged but moves no alias.
        let stale = Decision(
            kind: .promotion, ts: 10, actor: "p", model: .init(id: "c", version: 4), replaces: .init(id: "b", version: 3),
            evidence: #"{"samples":20}"#)
        #expect(try registry.record(stale))
        #expect(try registry.alias(ModelRegistry.championAlias) == .init(id: "a", version: 1))
        // An older position never moves the stored one back.
        try registry.record(Self.version("a", 2), position: .init(topic: "m", partition: 1, nextOffset: 3))
        #expect(try registry.versionCount() == 2)
        #expect(try registry.versions(of: "a")[0].weights == [1, 2, 3], "the first copy is kept")
        #expect(try registry.auditLog().count == 2)
        #expect(try registry.positions(topic: "m").map(\.nextOffset) == [4])
    }

    @Test func auditLogIsAppendOnlyAndBadInputIsRefusedWithAReason() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let registry = try ModelRegistry(path: path)
        let noWeights = StoredVersion(model: .init(id: "a", version: 1), ts: 1, weights: [])
        #expect { try registry.record(noWeights) } throws: {
            ($0 as? RegistryError)?.reason.contains("carries no weights") == true
        }
        #expect(try registry.versionCount() == 0, "a refused version leaves no trace")
        try registry.record(Decision(
            kind: .promotion, ts: 1, actor: "p", model: .init(id: "a", version: 1), replaces: .init(id: "b", version: 1),
            evidence: "{}"))
        // The append-only rule lives in the file itself: a plain sqlite3 client is refused too.
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sqlite.arguments = ["python3", "-c", """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            try:
                c.execute("DELETE FROM audit_log"); c.commit(); print("deleted")
            except sqlite3.DatabaseError as e:
                print(e)
            """, path]
        let pipe = Pipe()
        sqlite.standardOutput = pipe
        try sqlite.run()
        sqlite.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(output.contains("audit_log is append-only"))
        #expect(try registry.auditLog().count == 1)
        #expect { try ModelRegistry(path: "/nonexistent-dir/x/registry.sqlite") } throws: {
            ($0 as? RegistryError)?.reason.contains("/nonexistent-dir/x/registry.sqlite") == true
        }
    }

    /// An operator's freezes and unfreezes are logged every time, in order, move no alias, and leave decisions unique.
    @Test func freezesAreLoggedEveryTimeAndMoveNoAlias() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let registry = try ModelRegistry(path: path)
        try registry.setInitialChampion(.init(id: "a", version: 1), ts: 1)
        #expect(try registry.latestFreezeEntry() == nil)
        let champion = VersionID(id: "a", version: 1)
        for (ts, kind) in [(2.0, Decision.Kind.freeze), (3, .unfreeze), (4, .freeze)] {
            #expect(try registry.record(Decision(
                kind: kind, ts: ts, actor: "operator:alice", model: champion, replaces: champion, evidence: "{}")))
        }
        #expect(try registry.latestFreezeEntry()?.kind == .freeze)
        #expect(try registry.latestFreezeEntry()?.ts == 4)
        #expect(try registry.auditLog().map(\.kind) == [.freeze, .unfreeze, .freeze])
        #expect(try registry.alias(ModelRegistry.championAlias) == champion)
        // Decisions stay logged once, freezes or not.
        let promotion = Decision(
            kind: .promotion, ts: 5, actor: "p", model: .init(id: "b", version: 2), replaces: champion, evidence: "{}")
        #expect(try registry.record(promotion))
        var again = promotion
        again.ts = 6
        #expect(try !registry.record(again))
        #expect(try registry.alias(ModelRegistry.championAlias) == .init(id: "b", version: 2))
    }
}
