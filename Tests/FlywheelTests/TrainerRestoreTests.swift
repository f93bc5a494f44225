import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import ModelRegistry
import OnlineLearning
import Testing

/// A restarted trainer goes on from the registry: each model from its newest stored version (weights, statistics and
/// version number), and a stored blob that does not load is refused in favour of the initial model.
@Suite("Trainer restore from the registry")
struct TrainerRestoreTests {
    @Test func theTrainerResumesFromTheNewestStoredVersions() async throws {
        let (broker, baseSettings) = try LoopHarness.cluster()
        var settings = baseSettings
        settings.roles = [.trainer]
        defer { try? FileManager.default.removeItem(atPath: settings.registryPath) }
        let initial = try InitialModels.make(schema: LoopHarness.seaSchema)

        // A champion trained on 2,000 SEA rows, stored as versions 6 and 7; garbage stored for the fresh shadow.
        var champion = initial.champion
        for example in LoopHarness.sea.prefix(2000) {
            champion.pipeline.learn(example.features)
            champion.learner.learn(champion.pipeline.transform(example.features).vector, target: example.target)
        }
        let registry = try ModelRegistry(path: settings.registryPath)
        for version in [6, 7] {
            try registry.record(ModelEvent(
                kind: .version, ts: Double(version), model: .init(id: InitialModels.championID, version: version),
                weights: Data(ModelBlob.encode(pipeline: champion.pipeline, learner: champion.learner)).base64EncodedString()),
                actor: "test")
        }
        try registry.record(ModelEvent(
            kind: .version, ts: 1, model: .init(id: "logreg-fresh", version: 3), weights: Data([1, 2, 3]).base64EncodedString()),
            actor: "test")

        let loop = try await FlywheelLoop(settings: settings, initial: initial, logger: LoopHarness.logger)
        let models = try #require(loop.trainer).models
        #expect(loop.engine == nil && loop.joiner == nil, "only the trainer role")
        #expect(models.map(\.reference) == [
            ModelReference(id: InitialModels.championID, version: 7),
            ModelReference(id: "logreg-finetune", version: 1),
            ModelReference(id: "logreg-fresh", version: 1),
            ModelReference(id: "mlp", version: 1),
            ModelReference(id: "knn", version: 1),
        ])
        #expect(models[0].learner == champion.learner && models[0].pipeline == champion.pipeline)
        #expect(models[2].learner == initial.shadows[1].learner, "an unloadable blob is not used")
        _ = broker
    }
}
