import FeatureValues
import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import OnlineLearning
import ServiceLifecycle
import Testing

/// New versions and a promotion published on the models topic reach the live models of a running process.
@Suite("Model updates on the embedded broker")
struct ModelUpdatesTests {
    @Test func versionsAndPromotionsTakeEffectWithoutARestart() async throws {
        let logger = InferenceEngineTests.logger
        let broker = try EmbeddedBroker(logger: logger)
        let topic = "models-\(UInt32.random(in: 0...UInt32.max))"
        try broker.createTopic(topic, partitions: 1)
        let client = KafkaClientConfiguration(bootstrapServers: [broker.bootstrapServers])

        let champion = try ModelTrainerTests.champion()
        var trainer = ModelTrainer(models: [try ModelTrainer.fresh(like: champion, id: "fresh")], publishEvery: 100)
        var events: [ModelEvent] = []
        for index in 0..<200 { events += trainer.learn(ModelTrainerTests.example(index), ts: 0) }
        let fresh = try #require(events.last?.model)
        events.append(ModelEvent(
            kind: .promotion, ts: 1, model: fresh, replaces: champion.reference,
            evidence: ["samples": .number(2000), "rule": .text("test")]))
        events.append(ModelEvent(kind: .version, ts: 2, model: ModelReference(id: "broken", version: 1), weights: "AAAA"))

        let live = LiveModels(ModelSet(champion: champion))
        let producer = try KafkaProducer(configuration: .init(client: client), logger: logger)
        let consumer = try KafkaConsumer(configuration: .init(client: client, groupID: "updates-\(topic)"), logger: logger)
        try await consumer.assign([.init(topic: topic, partition: 0, offset: KafkaTopicPartitionOffset.beginning)])
        let updates = ModelUpdates(consumer: consumer, models: live, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in [producer, consumer] as [any Service] { group.addTask { try await service.run() } }
            group.addTask { try await updates.run() }
            let reports = try await producer.deliver(events.map {
                KafkaOutgoingMessage(topic: topic, key: $0.model.id, value: EventDecoding.encode($0))
            })
            #expect(reports.allSatisfy { $0.isDelivered })
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while live.snapshot.champion.reference.id != "fresh" && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            try await Task.sleep(for: .milliseconds(200))  // let the broken event arrive too
            group.cancelAll()
            try? await group.waitForAll()
        }
        let set = live.snapshot
        #expect(set.champion.reference == fresh, "the promoted shadow serves")
        #expect(set.champion.learner == trainer.models[0].learner, "with the weights of its latest version")
        #expect(set.shadows.map(\.reference) == [champion.reference], "the old champion stays as a shadow")
        #expect(!set.shadows.contains { $0.reference.id == "broken" }, "unloadable weights are refused")
    }
}
