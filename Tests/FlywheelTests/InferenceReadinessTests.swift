import FeatureValues
import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import ModelRegistry
import OnlineLearning
import ServiceLifecycle
import Testing

/// A started (or restarted) inference process replays the models topic before it serves: its very first prediction
/// comes from the champion the topic's decisions name, not from the untrained initial one.
@Suite("Inference serves only once caught up with the models topic")
struct InferenceReadinessTests {
    /// `versions` versions of the first shadow of `initial` (numbered from 2), then its promotion over the champion.
    static func history(versions: Int, of initial: ModelSet) -> (events: [ModelEvent], promoted: ModelReference) {
        let shadow = initial.shadows[0]
        let blob = Data(ModelBlob.encode(pipeline: shadow.pipeline, learner: shadow.learner)).base64EncodedString()
        var events = (2...(versions + 1)).map { version in
            ModelEvent(kind: .version, ts: Double(version), model: ModelReference(id: shadow.reference.id, version: version), weights: blob)
        }
        let promoted = ModelReference(id: shadow.reference.id, version: versions + 1)
        events.append(ModelEvent(
            kind: .promotion, ts: Double(versions + 100), model: promoted, replaces: initial.champion.reference,
            evidence: ["samples": .number(1000), "rule": .text("test")]))
        return (events, promoted)
    }

    @Test func theFirstPredictionComesFromTheCurrentChampion() async throws {
        let (broker, base) = try LoopHarness.cluster()
        var settings = base
        settings.roles = [.inference]
        let initial = try InitialModels.make(schema: LoopHarness.seaSchema)
        // 600 versions of a shadow (a history to replay), then its promotion.
        let (events, promoted) = Self.history(versions: 600, of: initial)
        let requests = (0..<200).map { index in
            KafkaOutgoingMessage(
                topic: settings.topics.requests, key: "q\(index)",
                value: EventDecoding.encode(RequestEvent(
                    id: "q\(index)", ts: Double(index),
                    features: ["x0": .number(Double(index % 10)), "x1": .number(5), "x2": .number(1)])))
        }
        let producer = try KafkaProducer(configuration: .init(client: settings.client), logger: LoopHarness.logger)
        let tally = PredictionTally()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await producer.run() }
            #expect(try await producer.deliver(events.map {
                KafkaOutgoingMessage(topic: settings.topics.models, key: Publication.modelsKey, value: EventDecoding.encode($0))
            }).allSatisfy(\.isDelivered))
            // ModelUpdates alone: when caughtUp() returns, the promotion at the end of the topic is applied.
            let live = LiveModels(initial)
            let consumer = try KafkaConsumer(
                configuration: .init(client: settings.client, groupID: "\(settings.groupPrefix)-probe"), logger: LoopHarness.logger)
            let partitions: [Int32] = [0, 1, 2, 3]
            let updates = ModelUpdates(
                consumer: consumer, models: live,
                catchingUpTo: try await consumer.watermarks(topic: settings.topics.models, partitions: partitions),
                logger: LoopHarness.logger)
            #expect(!updates.isCaughtUp)
            try await consumer.assign(partitions.map {
                .init(topic: settings.topics.models, partition: $0, offset: KafkaTopicPartitionOffset.beginning)
            })
            group.addTask { try await consumer.run() }
            group.addTask { try await updates.run() }
            try await updates.caughtUp()
            #expect(live.snapshot.champion.reference == promoted, "caught up means the last decision is applied")

            // The requests are waiting before the process starts, so it could answer them at once.
            #expect(try await producer.deliver(requests).allSatisfy(\.isDelivered))
            let loop = try await FlywheelLoop(settings: settings, initial: initial, logger: LoopHarness.logger)
            let reader = try await LoopHarness.predictionReader(settings)
            for service in loop.services + [reader] as [any Service] { group.addTask { try await service.run() } }
            group.addTask { for await batch in reader.messages { tally.add(batch) } }
            let deadline = ContinuousClock.now.advanced(by: .seconds(60))
            while tally.distinct < requests.count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            group.cancelAll()
            try? await group.waitForAll()
        }
        #expect(tally.distinct == requests.count)
        #expect(Set(tally.champions.values) == [promoted.id], "every prediction, the first included, names the promoted champion")
        _ = broker
    }

    @Test func aRegistrySnapshotSparesTheReplay() async throws {
        let (broker, base) = try LoopHarness.cluster()
        var settings = base
        settings.roles = [.inference]
        settings.modelsSnapshotPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("snapshot-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: settings.modelsSnapshotPath!) }
        let initial = try InitialModels.make(schema: LoopHarness.seaSchema)
        let shadow = initial.shadows[0]
        let blob = Data(ModelBlob.encode(pipeline: shadow.pipeline, learner: shadow.learner)).base64EncodedString()
        // 300 versions of a shadow and its promotion (offsets 0…300), recorded by the registry up to offset 301;
        // then one more version (offset 301) the registry has not seen.
        var (events, promoted) = Self.history(versions: 300, of: initial)
        let registry = try ModelRegistry(path: settings.modelsSnapshotPath!)
        try registry.setInitialChampion(initial.champion.reference, ts: 0)
        for (offset, event) in events.enumerated() {
            _ = try registry.record(event, actor: "test", position: .init(topic: settings.topics.models, partition: 0, nextOffset: Int64(offset + 1)))
        }
        let later = ModelEvent(kind: .version, ts: 500, model: ModelReference(id: shadow.reference.id, version: 302), weights: blob)
        events.append(later)
        let producer = try KafkaProducer(configuration: .init(client: settings.client), logger: LoopHarness.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await producer.run() }
            // All into partition 0, where the registry's positions point.
            #expect(try await producer.deliver(events.map {
                KafkaOutgoingMessage(topic: settings.topics.models, partition: 0, key: Array(Publication.modelsKey.utf8), value: EventDecoding.encode($0))
            }).allSatisfy(\.isDelivered))
            let loop = try await FlywheelLoop(settings: settings, initial: initial, logger: LoopHarness.logger)
            let live = try #require(loop.liveModels)
            #expect(live.snapshot.champion.reference == promoted, "the champion comes from the snapshot, before any event is read")
            for service in loop.services { group.addTask { try await service.run() } }
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while live.snapshot.champion.reference.version < 302, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(live.snapshot.champion.reference == ModelReference(id: shadow.reference.id, version: 302))
            #expect(loop.modelUpdates?.eventsRead == 1, "only the event after the snapshot was read")
            group.cancelAll()
            try? await group.waitForAll()
        }
        _ = broker
    }
}
