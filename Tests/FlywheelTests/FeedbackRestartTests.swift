import FeatureValues
import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import OnlineLearning
import ServiceLifecycle
import Synchronization
import Testing

/// The feedback role goes on after a restart: predictions still waiting for labels when it stopped are read again
/// from Kafka (its committed positions are the oldest waiting records) and joined when their labels arrive — not
/// counted as orphaned — and its metrics, kept in its state store, go on.
@Suite("Feedback restart")
struct FeedbackRestartTests {
    static func prediction(_ index: Int) -> KafkaOutgoingMessage {
        let event = PredictionEvent(
            requestId: "r:\(index)", ts: Double(index), features: ["x0": .number(Double(index % 10))],
            champion: ModelOutput(model: .init(id: "logreg", version: 1), answer: 1, probabilities: [0.3, 0.7]), shadows: [])
        return KafkaOutgoingMessage(topic: "", key: "r:\(index)", value: EventDecoding.encode(event))
    }

    static func label(_ index: Int) -> KafkaOutgoingMessage {
        KafkaOutgoingMessage(topic: "", key: "r:\(index)", value: EventDecoding.encode(LabelEvent(id: "r:\(index)", ts: Double(index) + 1, label: Double(index % 2))))
    }

    /// Predictions (or labels) for requests `indices`, on the loop's topics.
    static func messages(_ indices: [Int], labels: Bool, topics: LoopTopics) -> [KafkaOutgoingMessage] {
        indices.map { index in
            var message = labels ? label(index) : prediction(index)
            message.topic = labels ? topics.labels : topics.predictions
            return message
        }
    }

    /// Runs a feedback-only loop until `done`, then stops it (its role saves its state on the way out).
    static func runFeedback(_ settings: LoopSettings, until done: @escaping @Sendable (FeedbackJoiner<ContinuousClock>) -> Bool) async throws -> (joined: Int, unlabeled: Int, orphaned: Int, scored: Int) {
        let loop = try await FlywheelLoop(settings: settings, initial: try InitialModels.make(schema: LoopHarness.seaSchema), logger: LoopHarness.logger)
        let joiner = try #require(loop.joiner)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in loop.services { group.addTask { try await service.run() } }
            let deadline = ContinuousClock.now.advanced(by: .seconds(60))
            while !done(joiner), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            group.cancelAll()
            try? await group.waitForAll()
        }
        let counters = joiner.counters
        return (counters.joined, counters.unlabeledPredictions, counters.orphanedLabels, joiner.scoreboard.served.overall.count)
    }

    @Test func waitingPredictionsAreJoinedAfterARestart() async throws {
        let (broker, base) = try LoopHarness.cluster()
        var settings = base
        settings.roles = [.feedback]
        // The embedded broker keeps a departed member until its session times out, even after a clean leave.
        settings.consumerProperties["session.timeout.ms"] = "6000"
        settings.feedbackStatePath = FileManager.default.temporaryDirectory.appendingPathComponent("feedback-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: settings.feedbackStatePath!) }
        let producer = try KafkaProducer(configuration: .init(client: settings.client), logger: LoopHarness.logger)
        let topics = settings.topics
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await producer.run() }
            // 1,000 predictions, labels for the first 600.
            var first = (0..<1000).map { index -> KafkaOutgoingMessage in
                var message = Self.prediction(index)
                message.topic = topics.predictions
                return message
            }
            first += (0..<600).map { index -> KafkaOutgoingMessage in
                var message = Self.label(index)
                message.topic = topics.labels
                return message
            }
            #expect(try await producer.deliver(first).allSatisfy { $0.isDelivered })
            let before = try await Self.runFeedback(settings) { $0.counters.joined >= 600 && $0.pending.predictions >= 400 }
            #expect(before.joined == 600 && before.orphaned == 0)

            // While it is down, the other 400 labels arrive.
            let rest = (600..<1000).map { index -> KafkaOutgoingMessage in
                var message = Self.label(index)
                message.topic = topics.labels
                return message
            }
            #expect(try await producer.deliver(rest).allSatisfy { $0.isDelivered })
            let after = try await Self.runFeedback(settings) { $0.counters.joined >= 400 }
            #expect(after.joined == 400, "the 400 waiting predictions were read again and joined; nothing else")
            #expect(after.orphaned == 0 && after.unlabeled == 0)
            #expect(after.scored == 1000, "the served-accuracy count went on from 600")
            group.cancelAll()
            try? await group.waitForAll()
        }
        _ = broker
    }
}

/// Requests joined after the committed positions are read again by the next owner of the partition; the examples
/// topic tells it they are joined already, so their examples are not published a second time.
@Suite("Feedback restart: no example published twice")
struct FeedbackRepublishTests {
    @Test func requestsJoinedAfterTheCommittedPositionsAreNotJoinedAgain() async throws {
        let (broker, base) = try LoopHarness.cluster(partitions: 1)
        var settings = base
        settings.roles = [.feedback]
        settings.consumerProperties["session.timeout.ms"] = "6000"
        let topics = settings.topics
        func messages(_ indices: [Int], labels: Bool) -> [KafkaOutgoingMessage] {
            FeedbackRestartTests.messages(indices, labels: labels, topics: topics)
        }
        let producer = try KafkaProducer(configuration: .init(client: settings.client), logger: LoopHarness.logger)
        let reader = try KafkaConsumer(
            configuration: .init(client: settings.client, groupID: "\(settings.groupPrefix)-examples-reader"), logger: LoopHarness.logger)
        try await reader.assign([.init(topic: topics.examples, partition: 0, offset: KafkaTopicPartitionOffset.beginning)])
        let examples = PublishedKeys()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await producer.run() }
            group.addTask { try await reader.run() }
            group.addTask {
                for await batch in reader.messages {
                    examples.keys.withLock { $0 += batch.compactMap { $0.key.map { String(decoding: $0, as: UTF8.self) } } }
                }
            }
            // Predictions 0…99 and 100…109; labels 0…59, a label for request 200 (never predicted: it waits, and
            // holds the labels position at its offset, 60), then labels 100…109. Joined: 0…59 and 100…109; the
            // positions committed are 60 (prediction 60 waits) and 60 (label 200 waits): 100…109 lie after both.
            let first = messages(Array(0..<110), labels: false) + messages(Array(0..<60) + [200] + Array(100..<110), labels: true)
            #expect(try await producer.deliver(first).allSatisfy(\.isDelivered))
            let before = try await FeedbackRestartTests.runFeedback(settings) { $0.counters.joined >= 70 }
            #expect(before.joined == 70)

            // Restarted: predictions 60…109 and labels 200, 100…109 are read again; 100…109 are known as joined.
            #expect(try await producer.deliver(messages(Array(60..<100), labels: true)).allSatisfy(\.isDelivered))
            let after = try await FeedbackRestartTests.runFeedback(settings) { $0.counters.joined >= 40 }
            #expect(after.joined == 40, "only the 40 requests whose labels came while it was down")
            let deadline = ContinuousClock.now.advanced(by: .seconds(10))
            while examples.keys.withLock({ $0.count }) < 110, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            try await Task.sleep(for: .milliseconds(300))
            group.cancelAll()
            try? await group.waitForAll()
        }
        let published = examples.keys.withLock { $0 }
        #expect(published.count == 110 && Set(published).count == 110, "every request's example once: \(published.count) published")
        _ = broker
    }
}

/// The keys of the records a test reader has seen.
final class PublishedKeys: Sendable {
    let keys = Mutex<[String]>([])
}
