import FlywheelEvents
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

    static func version(_ id: String, _ number: Int, bytes: [UInt8] = [1, 2, 3]) -> ModelEvent {
        ModelEvent(kind: .version, ts: 1_700_000_000 + Double(number), model: .init(id: id, version: number),
                   weights: Data(bytes).base64EncodedString())
    }

    @Test func versionsPromotionsAndAliasesSurviveReopening() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let registry = try ModelRegistry(path: path)
            try registry.setInitialChampion(.init(id: "logreg", version: 1), ts: 1)
            #expect(try registry.record(Self.version("fast", 2, bytes: [9, 8]), actor: "trainer"))
            #expect(try registry.record(Self.version("fast", 3), actor: "trainer"))
            let promotion = ModelEvent(
                kind: .promotion, ts: 1_700_000_100, model: .init(id: "fast", version: 3),
                replaces: .init(id: "logreg", version: 7), evidence: ["samples": .number(1000), "rule": .text("margin")])
            #expect(try registry.record(promotion, actor: "promoter", position: .init(topic: "m", partition: 0, nextOffset: 12)))
            #expect(try registry.alias(ModelRegistry.championAlias) == .init(id: "fast", version: 3))
            // A second initial champion does not move the alias.
            try registry.setInitialChampion(.init(id: "other", version: 1), ts: 2)
        }
        let reopened = try ModelRegistry(path: path)
        #expect(try reopened.alias(ModelRegistry.championAlias) == .init(id: "fast", version: 3))
        let versions = try reopened.versions(of: "fast")
        #expect(versions.map(\.model.version) == [2, 3])
        #expect(versions[0].weights == [9, 8])
        let log = try reopened.auditLog()
        #expect(log.count == 1)
        #expect(log[0].kind == .promotion && log[0].actor == "promoter")
        #expect(log[0].replaces == .init(id: "logreg", version: 7))
        #expect(log[0].evidence == #"{"rule":"margin","samples":1000}"#)
        #expect(try reopened.positions(topic: "m") == [.init(topic: "m", partition: 0, nextOffset: 12)])
    }

    @Test func redeliveredEventsChangeNothing() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let registry = try ModelRegistry(path: path)
        let rollback = ModelEvent(
            kind: .rollback, ts: 5, model: .init(id: "a", version: 1), replaces: .init(id: "b", version: 2),
            evidence: ["samples": .number(10)])
        #expect(try registry.record(Self.version("a", 1), actor: "t", position: .init(topic: "m", partition: 1, nextOffset: 4)))
        #expect(try !registry.record(Self.version("a", 1, bytes: [7]), actor: "t"), "same version twice")
        #expect(try registry.record(rollback, actor: "p"))
        #expect(try !registry.record(rollback, actor: "p"), "same decision twice")
        // An older position never moves the stored one back.
        try registry.record(Self.version("a", 2), actor: "t", position: .init(topic: "m", partition: 1, nextOffset: 3))
        #expect(try registry.versionCount() == 2)
        #expect(try registry.versions(of: "a")[0].weights == [1, 2, 3], "the first copy is kept")
        #expect(try registry.auditLog().count == 1)
        #expect(try registry.positions(topic: "m").map(\.nextOffset) == [4])
    }

    @Test func auditLogIsAppendOnlyAndBadInputIsRefusedWithAReason() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let registry = try ModelRegistry(path: path)
        let noWeights = ModelEvent(kind: .version, ts: 1, model: .init(id: "a", version: 1))
        #expect { try registry.record(noWeights, actor: "t") } throws: {
            ($0 as? RegistryError)?.reason.contains("carries no readable weights") == true
        }
        #expect(try registry.versionCount() == 0, "a refused event leaves no trace")
        try registry.record(
            ModelEvent(kind: .promotion, ts: 1, model: .init(id: "a", version: 1), replaces: .init(id: "b", version: 1)),
            actor: "p")
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
}
