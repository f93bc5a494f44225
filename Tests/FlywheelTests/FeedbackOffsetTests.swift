import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import ModelRegistry
import ServiceLifecycle
import Testing

/// The feedback role commits, for each partition, its oldest record still waiting for the other half of its
/// request, so the committed offsets never pass a waiting prediction or label: after a crash (issue 14's 391 lost
/// labels) or a rebalance, whoever reads the partition next reads every waiting record again.
@Suite("Feedback offsets stop at the oldest waiting record")
struct FeedbackOffsetTests {
    @Test func committedOffsetsAreTheOldestWaitingRecords() async throws {
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
            FeedbackRestartTests.messages(Array(range), labels: labels, topics: topics)
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
            // 100 predictions and 40 labels: predictions 40…99 wait, so the predictions commit stops at 40.
            #expect(try await seeder.deliver(messages(0..<100, labels: false) + messages(0..<40, labels: true)).allSatisfy(\.isDelivered))
            try await waitFor { joiner.counters.joined >= 40 }
            try await Task.sleep(for: .milliseconds(400))  // several auto-commit intervals
            #expect(joiner.counters.joined == 40)
            #expect(try await committed() == [40, 40], "the oldest waiting prediction, and every label")
            #expect(joiner.withCore { $0.recordsSaved } == 0)

            // Labels 70…79 first: they join, but 40…69 still wait, so the predictions commit stays at 40.
            #expect(try await seeder.deliver(messages(70..<80, labels: true)).allSatisfy(\.isDelivered))
            try await waitFor { joiner.counters.joined >= 50 }
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await committed() == [40, 50])

            // A label for a request not predicted yet waits, and holds the labels commit at its offset (50).
            var early = messages(200..<201, labels: true)
            #expect(try await seeder.deliver(early + messages(40..<60, labels: true)).allSatisfy(\.isDelivered))
            try await waitFor { joiner.counters.joined >= 70 }
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await committed() == [60, 50], "predictions 60…69 wait; label 200 waits at offset 50")
            // Its prediction arrives: nothing waits before 60 on either side any more.
            early = messages(200..<201, labels: false)
            #expect(try await seeder.deliver(early).allSatisfy(\.isDelivered))
            try await waitFor { joiner.counters.joined >= 71 }
            try await waitFor { joiner.withCore { $0.recordsSaved } > 0 }  // 171 records: one save of the metrics
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await committed() == [60, 71])
            group.cancelAll()
            try? await group.waitForAll()
        }
        let saved = try StateStore(path: path).load("feedback")
        #expect(saved != nil, "the metrics were saved")
    }
}

/// Predictions and labels meet in the same partition number only when both topics have the same partition count;
/// the feedback role refuses to start otherwise, naming both topics.
@Suite("Feedback refuses predictions and labels partitioned differently")
struct CopartitioningTests {
    @Test func differentPartitionCountsStopStartUpWithBothNames() async throws {
        let (broker, base) = try LoopHarness.cluster(partitions: 4)
        var settings = base
        settings.roles = [.feedback]
        settings.topics.labels += "-two"
        try broker.createTopic(settings.topics.labels, partitions: 2)
        await #expect {
            _ = try await FlywheelLoop(settings: settings, initial: try InitialModels.make(schema: LoopHarness.seaSchema), logger: LoopHarness.logger)
        } throws: { error in
            let text = "\(error)"
            return text.contains(settings.topics.predictions) && text.contains(settings.topics.labels)
                && text.contains("4 partitions") && text.contains("has 2")
        }
    }
}
