import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import OnlineLearning
import ServiceLifecycle
import Testing

/// The trainer service on the embedded broker: joined examples in, shadow versions out, applied by a live model set.
@Suite("Incremental trainer on the embedded broker")
struct IncrementalTrainerTests {
    @Test func publishesShadowVersionsThatTheEngineCanLoad() async throws {
        let logger = InferenceEngineTests.logger
        let broker = try EmbeddedBroker(logger: logger)
        let suffix = UInt32.random(in: 0...UInt32.max)
        let examples = "examples-\(suffix)"
        var configuration = IncrementalTrainer.Configuration()
        configuration.topics.models = "models-\(suffix)"
        for topic in [examples, configuration.topics.models] { try broker.createTopic(topic, partitions: 2) }
        let client = KafkaClientConfiguration(bootstrapServers: [broker.bootstrapServers])

        let champion = try ModelTrainerTests.champion()
        let trainer = ModelTrainer(
            models: [ModelTrainer.fineTuned(from: champion, id: "tuned"), try ModelTrainer.fresh(like: champion, id: "fresh")],
            publishEvery: 250)
        let seeder = try KafkaProducer(configuration: .init(client: client), logger: logger)
        let producer = try KafkaProducer(configuration: .init(client: client), logger: logger)
        let consumer = try KafkaConsumer(configuration: .init(client: client, groupID: "trainer-\(suffix)"), logger: logger)
        try await consumer.assign((0..<2).map { .init(topic: examples, partition: $0, offset: KafkaTopicPartitionOffset.beginning) })
        let reader = try KafkaConsumer(configuration: .init(client: client, groupID: "reader-\(suffix)"), logger: logger)
        try await reader.assign((0..<2).map { .init(topic: configuration.topics.models, partition: $0, offset: KafkaTopicPartitionOffset.beginning) })
        let service = try IncrementalTrainer(consumer: consumer, producer: producer, trainer: trainer, configuration: configuration, logger: logger)

        let input = (0..<1000).map { index in
            let example = ModelTrainerTests.example(index)
            return KafkaOutgoingMessage(topic: examples, key: example.requestId, value: EventDecoding.encode(example))
        }
        var events: [ModelEvent] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            for running in [seeder, producer, consumer, reader] as [any Service] { group.addTask { try await running.run() } }
            group.addTask { try await service.run() }
            let reports = try await seeder.deliver(input)
            #expect(reports.allSatisfy { $0.isDelivered })
            let deadline = ContinuousClock.now.advanced(by: .seconds(60))
            for await batch in reader.messages {
                events += batch.compactMap { try? EventDecoding.decode(ModelEvent.self, from: $0.value) }
                if events.count >= 8 || ContinuousClock.now > deadline { break }
            }
            group.cancelAll()
            try? await group.waitForAll()
        }
        // 1,000 examples, a version every 250, two shadows: versions 2…5 of each.
        #expect(events.count == 8)
        #expect(Set(events.map(\.model.version)) == [2, 3, 4, 5])
        var live = ModelSet(champion: champion)
        for event in events.sorted(by: { $0.model.version < $1.model.version }) { live = try live.applying(event) }
        #expect(Set(live.shadows.map(\.reference)) == [ModelReference(id: "tuned", version: 5), ModelReference(id: "fresh", version: 5)])
        #expect(Set(live.shadows.map(\.learner)) == Set(service.models.map(\.learner)))
    }
}
