import FeatureValues
import Flywheel
import FlywheelEvents
import Foundation
import ModelRegistry
import Testing

/// Events as the registry records them: the mapping from model events to the registry's plain records.
@Suite("Registry records of model events")
struct RegistryEventsTests {
    @Test func eventsBecomeRecordsAndIncompleteEventsAreRefusedWithAReason() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("events-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let registry = try ModelRegistry(path: path)
        let noWeights = ModelEvent(kind: .version, ts: 1, model: .init(id: "a", version: 1))
        #expect { try registry.record(noWeights, actor: "t") } throws: {
            ($0 as? RegistryError)?.reason.contains("carries no readable weights") == true
        }
        #expect(try registry.versionCount() == 0, "a refused event leaves no trace")
        // In a batch of versions, one whose weights are not base64 refuses the batch, with the reason.
        let batch = [
            ModelEvent(kind: .version, ts: 1, model: .init(id: "a", version: 1), weights: Data([1]).base64EncodedString()),
            ModelEvent(kind: .version, ts: 1, model: .init(id: "a", version: 2), weights: "not base64!"),
        ].map { (event: $0, position: TopicPosition?.none) }
        #expect { try registry.record(versionEvents: batch) } throws: {
            ($0 as? RegistryError)?.reason.contains("version a@2 carries no readable weights") == true
        }
        #expect(try registry.versionCount() == 0, "a refused batch leaves no trace")
        let noChampion = ModelEvent(kind: .rollback, ts: 1, model: .init(id: "a", version: 1))
        #expect { try registry.record(noChampion, actor: "t") } throws: {
            ($0 as? RegistryError)?.reason.contains("does not say which champion it replaces") == true
        }
        #expect(try registry.record(
            ModelEvent(kind: .version, ts: 2, model: .init(id: "a", version: 2), weights: Data([4, 5]).base64EncodedString(),
                       evidence: ["reason": .text("restart")]), actor: "trainer"))
        #expect(try registry.versions(of: "a").map(\.weights) == [[4, 5]])
        #expect(try registry.versions(of: "a").first?.evidence == #"{"reason":"restart"}"#)
        let promotion = ModelEvent(
            kind: .promotion, ts: 3, model: .init(id: "a", version: 2), replaces: .init(id: "b", version: 9),
            evidence: ["samples": .number(1000), "rule": .text("margin")])
        #expect(try registry.record(promotion, actor: "promoter"))
        #expect(try !registry.record(promotion, actor: "promoter"), "a redelivered decision is logged once")
        let log = try registry.auditLog()
        #expect(log.count == 1 && log[0].kind == .promotion && log[0].actor == "promoter")
        #expect(log[0].evidence == #"{"rule":"margin","samples":1000}"#)
        #expect(try registry.champion() == ModelReference(id: "a", version: 2))
    }
}
