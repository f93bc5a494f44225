import FeatureValues
import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import OnlineLearning
import ServiceLifecycle
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
