import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import ServiceLifecycle
import Testing

/// Labels read far ahead of their predictions wait in memory; past `maximumWaitingLabels` the feedback role stops
/// reading labels (the consumer pauses the labels topic) until half as many wait, and nothing is lost on the way.
@Suite("Feedback holds labels back while too many wait")
struct FeedbackLabelHoldTests {
    @Test func labelsPauseAboveTheLimitAndResumeBelowHalf() async throws {
        let logger = InferenceEngineTests.logger
        let broker = try EmbeddedBroker(logger: logger)
        let suffix = UInt32.random(in: 0...UInt32.max)
        var configuration = RoleConfiguration()
        configuration.topics = LoopTopics().prefixed("hold-\(suffix)-")
        let topics = configuration.topics
        for topic in [topics.predictions, topics.labels, topics.examples, topics.deadLetter, topics.drift] {
            try broker.createTopic(topic, partitions: 1)
        }
        var feedback = FeedbackRole<ContinuousClock.Instant>.Configuration()
        feedback.maximumWaitingLabels = 50
        let client = KafkaClientConfiguration(bootstrapServers: [broker.bootstrapServers])
        let seeder = try KafkaProducer(configuration: .init(client: client), logger: logger)
        let producer = try KafkaProducer(configuration: .init(client: client), logger: logger)
        let consumer = try KafkaConsumer(configuration: .init(client: client, groupID: "hold-\(suffix)"), logger: logger)
        try await consumer.assign([topics.predictions, topics.labels].map {
            .init(topic: $0, partition: 0, offset: KafkaTopicPartitionOffset.beginning)
        })
        let joiner = try FeedbackJoiner(
            consumer: consumer, producer: producer, configuration: configuration, feedback: feedback,
            clock: ContinuousClock(), logger: logger)
        func send(_ range: Range<Int>, labels: Bool) async throws {
            let messages = FeedbackRestartTests.messages(Array(range), labels: labels, topics: topics)
            #expect(try await seeder.deliver(messages).allSatisfy(\.isDelivered))
        }
        func waitFor(_ condition: () -> Bool) async throws {
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        }
        var waiting: Int { joiner.withCore { $0.join.pending.labels } }
        var holding: Bool { joiner.withCore { $0.holdingLabels } }
        let labelsPartition = KafkaTopicPartition(topic: topics.labels, partition: 0)

        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in [seeder, producer, consumer] as [any Service] { group.addTask { try await service.run() } }
            group.addTask { try await joiner.run() }
            // 100 labels and no prediction: past 50 waiting, the labels partition is paused (after the batch that
            // passed 50: the first batch may hold all 100 labels or only some).
            try await send(0..<100, labels: true)
            try await waitFor { consumer.pausedPartitions.contains(labelsPartition) }
            #expect(holding && consumer.pausedPartitions == [labelsPartition])
            try await Task.sleep(for: .milliseconds(500))
            let first = waiting
            #expect((50...100).contains(first), "\(first) labels read before the pause")
            // More labels are not read while paused.
            try await send(100..<200, labels: true)
            try await Task.sleep(for: .seconds(1))
            #expect(waiting == first, "the rest of the labels stay in Kafka")
            // Predictions join all but 40: more than half the limit wait, so the hold goes on.
            try await send(0..<(first - 40), labels: false)
            try await waitFor { joiner.counters.joined == first - 40 }
            try await Task.sleep(for: .milliseconds(500))
            #expect(waiting == 40 && holding)
            // 20 more: 20 wait, the partition is read again — the other labels come in, and hold it once more.
            try await send((first - 40)..<(first - 20), labels: false)
            try await waitFor { waiting == 20 + (200 - first) }
            #expect(waiting == 20 + (200 - first) && holding && joiner.withCore { $0.labelHolds } == 2)
            // The rest of the predictions: everything joins, nothing waits, the partition is read again.
            try await send((first - 20)..<200, labels: false)
            try await waitFor { joiner.counters.joined == 200 && !consumer.pausedPartitions.contains(labelsPartition) }
            #expect(joiner.counters.joined == 200 && waiting == 0 && !holding)
            #expect(joiner.counters.orphanedLabels == 0 && joiner.counters.duplicates == 0)
            // And labels flow as before.
            try await send(200..<210, labels: false)
            try await send(200..<210, labels: true)
            try await waitFor { joiner.counters.joined == 210 }
            #expect(joiner.counters.joined == 210)
            group.cancelAll()
            try? await group.waitForAll()
        }
    }

    /// Only the partitions where labels are furthest ahead are held; a partition whose labels are behind keeps
    /// flowing. The role as a plain value, no broker.
    @Test func theHoldFallsOnThePartitionsFurthestAhead() throws {
        var configuration = FeedbackRole<ContinuousClock.Instant>.Configuration()
        configuration.maximumWaitingLabels = 10
        var role = try FeedbackRole(configuration: configuration, at: ContinuousClock.now)
        let topics = LoopTopics()
        let time = BatchTime(instant: ContinuousClock.now, wallClock: 0)
        func labels(_ ids: Range<Int>, partition: Int32) -> [Consumed<Incoming>] {
            ids.map { Consumed(.label(LabelEvent(id: "r\($0)", ts: 1, label: 1)), topic: topics.labels, partition: partition, offset: Int64($0)) }
        }
        func predictions(_ ids: Range<Int>, partition: Int32) -> [Consumed<Incoming>] {
            ids.map {
                Consumed(.prediction(PredictionEvent(
                    requestId: "r\($0)", ts: 0, features: ["x": .number(1)],
                    champion: ModelOutput(model: ModelReference(id: "m", version: 1), answer: 1, probabilities: [0.4, 0.6]),
                    shadows: [])), topic: topics.predictions, partition: partition, offset: Int64($0))
            }
        }
        _ = role.handle(labels(0..<12, partition: 0) + labels(100..<102, partition: 1), at: time)
        #expect(role.pausedInputs(topics: topics) == [InputPartition(topic: topics.labels, partition: 0)])
        _ = role.handle(predictions(0..<6, partition: 0), at: time)
        #expect(role.join.pending.labels == 8 && role.heldLabelPartitions == [0], "8 wait, more than half of 10")
        _ = role.handle(predictions(6..<9, partition: 0), at: time)
        #expect(role.join.pending.labels == 5 && role.pausedInputs(topics: topics).isEmpty && role.labelHolds == 1)
    }
}
