import FeatureValues
import Flywheel
import FlywheelEvents
import Foundation
import ModelRegistry
import OnlineLearning
import Testing

/// The trainer's saved state is JSON written byte by byte (its blobs straight into base64): a trainer restarted from
/// it gets back every model with its weights and version, every input position and every counter — with model ids
/// and topic names that need escaping, and with the version gap a `saveEvery` save records.
@Suite("Trainer state: the saved JSON")
struct TrainerSnapshotTests {
    @Test func aRestartedTrainerGetsBackEverythingWithIdsThatNeedEscaping() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let champion = try ModelTrainerTests.champion()
        let ids = ["tuned \"quoted\" / back\\slash", "fresh\nline\té", "温度-模型"]
        func models() throws -> [ServedModel] {
            [ModelTrainer.fineTuned(from: champion, id: ids[0]), try ModelTrainer.fresh(like: champion, id: ids[1]),
             ModelTrainer.fineTuned(from: champion, id: ids[2], learningRate: 0.05)]
        }
        let time = BatchTime(instant: ContinuousClock.now, wallClock: 1_000)
        func batch(_ indices: Range<Int>, topic: String, partition: Int32) -> [Consumed<TrainerRole.Input>] {
            indices.map { index in
                Consumed(.example(LearnableExample(ModelTrainerTests.example(index))), topic: topic, partition: partition, offset: Int64(index))
            }
        }
        var first = try TrainerRole(
            trainer: ModelTrainer(models: try models(), publishEvery: 100), store: try StateStore(path: path), saveEvery: 250)
        _ = first.handle(batch(0..<300, topic: "examples \"a\"", partition: 3), at: time)
        _ = first.handle(batch(300..<420, topic: "exämples/b", partition: 0), at: time)
        try first.stopping(at: time)

        let second = try TrainerRole(
            trainer: ModelTrainer(models: try models(), publishEvery: 100), store: try StateStore(path: path), saveEvery: 250)
        // Its versions are numbered on past the saved ones by the gap the save recorded.
        let gap = TrainerRole.versionGap(saveEvery: 250, publishEvery: 100)
        #expect(second.trainer.models.map(\.reference) == first.trainer.models.map {
            ModelReference(id: $0.reference.id, version: $0.reference.version + gap)
        })
        #expect(second.trainer.models.map(\.learner) == first.trainer.models.map(\.learner))
        #expect(second.trainer.models.map(\.pipeline) == first.trainer.models.map(\.pipeline))
        #expect(second.positions == first.positions)
        #expect(second.positions.map(\.topic).sorted() == ["examples \"a\"", "exämples/b"])
        #expect(second.examplesLearned == 420 && second.versionsPublished == first.versionsPublished)
        #expect(first.versionsPublished > 0)
        var third = second
        let next = third.handle(batch(420..<520, topic: "exämples/b", partition: 0), at: time).compactMap { publication -> ModelReference? in
            if case .model(let event) = publication { return event.model }
            return nil
        }
        for reference in next {
            let saved = first.trainer.models.first { $0.reference.id == reference.id }!.reference.version
            #expect(reference.version > saved + gap, "\(reference) after \(saved) with gap \(gap)")
        }
        #expect(!next.isEmpty)
    }
}
