import FeatureValues
import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import Logging
import ServiceLifecycle
import Testing

/// No poison pills: an output JSON cannot carry, an output larger than the broker accepts, and an input the role
/// refuses all go to the dead-letter topic with their reasons, and the role goes on with the rest of the stream.
@Suite("Role runner: poison pills")
struct RoleRunnerPoisonTests {
    /// A role that answers each request with a prediction, except: `nan…` with a non-finite answer, `huge…` with
    /// features far over the producer's message size, `refuse…` with a refusal.
    struct PoisonRole: StreamRole {
        static func decode(topic: String, value: [UInt8], topics: LoopTopics) throws(EventDecodingError) -> RequestEvent {
            try EventDecoding.decode(RequestEvent.self, from: value)
        }

        func handle(_ batch: [Consumed<RequestEvent>], at time: BatchTime<ContinuousClock.Instant>) -> [Publication] {
            batch.enumerated().map { index, consumed in
                let request = consumed.input
                if request.id.hasPrefix("refuse") { return .refusal(input: index, reason: "refused by the test role") }
                var features = request.features
                if request.id.hasPrefix("huge") { features["blob"] = .string(String(repeating: "x", count: 300_000)) }
                let answer = request.id.hasPrefix("nan") ? Double.nan : 1
                return .prediction(PredictionEvent(
                    requestId: request.id, ts: request.ts, features: features,
                    champion: ModelOutput(model: ModelReference(id: "m", version: 1), answer: answer, probabilities: [0, 1]),
                    shadows: []))
            }
        }
    }

    @Test func poisonOutputsAndRefusalsAreDeadLetteredAndTheRoleGoesOn() async throws {
        let logger = InferenceEngineTests.logger
        let broker = try EmbeddedBroker(logger: logger)
        let suffix = UInt32.random(in: 0...UInt32.max)
        var configuration = RoleConfiguration()
        configuration.topics = LoopTopics().prefixed("poison-\(suffix)-")
        configuration.deliveryAttempts = 2
        let topics = configuration.topics
        for topic in [topics.requests, topics.predictions, topics.deadLetter] { try broker.createTopic(topic, partitions: 1) }
        let client = KafkaClientConfiguration(bootstrapServers: [broker.bootstrapServers])
        var small = KafkaProducerConfiguration(client: client)
        small.client.properties["message.max.bytes"] = "100000"
        let ids = ["a", "nan-1", "b", "huge-1", "c", "refuse-1", "d"]
        let input = ids.map { id in
            KafkaOutgoingMessage(
                topic: topics.requests, key: id,
                value: EventDecoding.encode(RequestEvent(id: id, ts: 1, features: ["x": .number(1)])))
        }
        let seeder = try KafkaProducer(configuration: .init(client: client), logger: logger)
        let producer = try KafkaProducer(configuration: small, logger: logger)
        let consumer = try KafkaConsumer(configuration: .init(client: client, groupID: "poison-\(suffix)"), logger: logger)
        try await consumer.assign([.init(topic: topics.requests, partition: 0, offset: KafkaTopicPartitionOffset.beginning)])
        let reader = try KafkaConsumer(configuration: .init(client: client, groupID: "reader-\(suffix)"), logger: logger)
        try await reader.assign([topics.predictions, topics.deadLetter].map {
            .init(topic: $0, partition: 0, offset: KafkaTopicPartitionOffset.beginning)
        })
        let runner = RoleRunner(
            core: PoisonRole(), consumer: consumer, producer: producer, configuration: configuration,
            clock: ContinuousClock(), logger: logger)

        var predictions: [String] = []
        var letters: [DeadLetterEvent] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in [seeder, producer, consumer, reader] as [any Service] { group.addTask { try await service.run() } }
            group.addTask { try await runner.run() }
            #expect(try await seeder.deliver(input).allSatisfy(\.isDelivered))
            let deadline = ContinuousClock.now.advanced(by: .seconds(60))
            for await batch in reader.messages {
                for message in batch {
                    if message.topic == topics.predictions {
                        predictions.append(try EventDecoding.decode(PredictionEvent.self, from: message.value).requestId)
                    } else {
                        letters.append(try EventDecoding.decode(DeadLetterEvent.self, from: message.value))
                    }
                }
                if predictions.count >= 4 && letters.count >= 3 || ContinuousClock.now > deadline { break }
            }
            group.cancelAll()
            try? await group.waitForAll()
        }
        #expect(predictions == ["a", "b", "c", "d"], "every ordinary request answered, in order, around the poison")
        #expect(letters.count == 3)
        let byKey = Dictionary(uniqueKeysWithValues: letters.map { (String(decoding: Data(base64Encoded: $0.key ?? "") ?? Data(), as: UTF8.self), $0) })
        let nan = try #require(byKey["nan-1"])
        #expect(nan.reason.contains("could not be encoded") && nan.reason.contains("champion.answer"), "\(nan.reason)")
        #expect(nan.output?.topic == topics.predictions && nan.source.topic == topics.requests && nan.source.offset == 1)
        let huge = try #require(byKey["huge-1"])
        #expect(huge.reason.contains("refused by Kafka"), "\(huge.reason)")
        #expect((huge.output?.bytes ?? 0) > 300_000 && (Data(base64Encoded: huge.value)?.count ?? 0) == DeadLetterEvent.outputBytesKept)
        #expect(huge.source.offset == 3, "the request the output answered")
        let refused = try #require(byKey["refuse-1"])
        #expect(refused.reason == "refused by the test role" && refused.output == nil && refused.source.offset == 5)
        let statistics = runner.statistics
        #expect(statistics.deadLettered == 1 && statistics.deadLetteredByTopic == [topics.requests: 1])
        #expect(statistics.unpublishable == 2 && statistics.published == 4 && statistics.consumed == 7)
    }
}

/// The feedback core refuses labels outside the task's classes (it would otherwise score them as some class), and
/// every label read is accounted for.
@Suite("Feedback role: label classes")
struct FeedbackLabelClassTests {
    @Test func labelsOutsideTheClassesAreRefused() throws {
        var binary = FeedbackRole<ContinuousClock.Instant>.Configuration()
        binary.labelClasses = 2
        var role = try FeedbackRole<ContinuousClock.Instant>(configuration: binary, at: .now)
        let time = BatchTime(instant: ContinuousClock.now, wallClock: 1)
        let labels: [Double] = [1, 2, 0.5, -1, 0]
        let batch = labels.enumerated().map { index, label in
            Consumed(Incoming.label(LabelEvent(id: "r\(index)", ts: 1, label: label)), topic: "labels", partition: 0, offset: Int64(index))
        }
        let refused = role.handle(batch, at: time).compactMap { publication -> Int? in
            if case .refusal(let input, let reason) = publication {
                #expect(reason.contains("class ids"))
                return input
            }
            return nil
        }
        #expect(refused == [1, 2, 3], "2, 0.5 and -1 are not class ids of a binary task")
        #expect(role.join.pending.labels == 2)

        var regression = FeedbackRole<ContinuousClock.Instant>.Configuration()
        regression.labelClasses = nil
        var values = try FeedbackRole<ContinuousClock.Instant>(configuration: regression, at: .now)
        #expect(values.handle(Array(batch.prefix(3)), at: time).isEmpty, "any finite value is a regression label")
    }

    @Test func decodingRefusesEmptyIdsAndEncodingNamesNonFiniteFields() {
        #expect {
            try EventDecoding.decode(RequestEvent.self, from: Array(#"{"id":"","ts":1,"features":{}}"#.utf8))
        } throws: { ($0 as? EventDecodingError)?.reason == "RequestEvent field 'id' is empty" }
        #expect {
            try EventDecoding.decode(LabelEvent.self, from: Array(#"{"id":"","ts":1,"label":1}"#.utf8))
        } throws: { ($0 as? EventDecodingError)?.reason == "LabelEvent field 'id' is empty" }
        let bad = ModelOutput(model: ModelReference(id: "m", version: 1), answer: 1, probabilities: [0.5, .nan])
        #expect(!bad.isFinite)
        #expect {
            try EventDecoding.encodeChecked(bad)
        } throws: { ($0 as? EventEncodingError)?.reason == "ModelOutput field 'probabilities.[1]' is not a finite number" }
    }
}
