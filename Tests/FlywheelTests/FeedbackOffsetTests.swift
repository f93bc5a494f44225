import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import ModelRegistry
import ServiceLifecycle
import Testing

/// With a state store, the feedback role's consumer offsets are stored only with a save of the state that reflects
/// them: until then they are held, so the group's committed offsets never pass what a restarted role can restore,
/// and a crash re-reads labels instead of losing them (issue 14's 391 lost labels).
@Suite("Feedback offsets wait for the saved state")
struct FeedbackOffsetTests {
    @Test func offsetsAreCommittedOnlyWithASave() async throws {
        let logger = InferenceEngineTests.logger
        let broker = try EmbeddedBroker(logger: logger)
        let suffix = UInt32.random(in: 0...UInt32.max)
        var configuration = RoleConfiguration()
        configuration.topics = LoopTopics().prefixed("held-\(suffix)-")
        let topics = configuration.topics
        for topic in [topics.predictions, topics.labels, topics.examples, topics.deadLetter, topics.drift] {
            try broker.createTopic(topic, partitions: 1)
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("held-\(suffix).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var feedback = FeedbackRole<ContinuousClock.Instant>.Configuration()
        feedback.saveEvery = 150
        let client = KafkaClientConfiguration(bootstrapServers: [broker.bootstrapServers])
        let seeder = try KafkaProducer(configuration: .init(client: client), logger: logger)
        let producer = try KafkaProducer(configuration: .init(client: client), logger: logger)
        var consumerConfiguration = KafkaConsumerConfiguration(client: client, groupID: "held-\(suffix)")
        consumerConfiguration.autoCommitInterval = .milliseconds(100)
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        let partitions = [topics.predictions, topics.labels].map { KafkaTopicPartition(topic: $0, partition: 0) }
        try await consumer.assign(partitions.map { .init(topic: $0.topic, partition: 0, offset: KafkaTopicPartitionOffset.beginning) })
        let joiner = try FeedbackJoiner(
            consumer: consumer, producer: producer, configuration: configuration, feedback: feedback,
            clock: ContinuousClock(), stateStore: try StateStore(path: path), logger: logger)
        func messages(_ range: Range<Int>, labels: Bool) -> [KafkaOutgoingMessage] {
            range.map { index in
                var message = labels ? FeedbackRestartTests.label(index) : FeedbackRestartTests.prediction(index)
                message.topic = labels ? topics.labels : topics.predictions
                return message
            }
        }
        func committed() async throws -> [Int64] {
            let offsets = try await consumer.committedOffsets(for: partitions)
            return partitions.map { offsets[$0] ?? -1 }
        }
        func waitFor(_ condition: () -> Bool) async throws {
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        }

        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in [seeder, producer, consumer] as [any Service] { group.addTask { try await service.run() } }
            group.addTask { try await joiner.run() }
            // 100 predictions and 40 labels: 140 records, fewer than a save needs.
            #expect(try await seeder.deliver(messages(0..<100, labels: false) + messages(0..<40, labels: true)).allSatisfy(\.isDelivered))
            try await waitFor { joiner.counters.joined >= 40 }
            try await Task.sleep(for: .milliseconds(400))  // several auto-commit intervals
            #expect(joiner.counters.joined == 40)
            #expect(try await committed().allSatisfy { $0 < 0 }, "nothing saved yet, so nothing committed")
            #expect(joiner.withCore { $0.recordsSaved } == 0)

            // 20 more labels: 160 records, a save, and with it every offset so far.
            #expect(try await seeder.deliver(messages(40..<60, labels: true)).allSatisfy(\.isDelivered))
            try await waitFor { joiner.counters.joined >= 60 }
            try await waitFor { joiner.withCore { $0.recordsSaved } == 160 }
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await committed() == [100, 60], "committed with the save that reflects them")
            group.cancelAll()
            try? await group.waitForAll()
        }
        let saved = try StateStore(path: path).load("feedback")
        #expect(saved != nil, "the state the committed offsets rely on is in the store")
    }
}
