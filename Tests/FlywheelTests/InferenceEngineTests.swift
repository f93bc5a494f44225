import FeatureValues
import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import Logging
import OnlineLearning
import ServiceLifecycle
import Synchronization
import Testing

/// The inference engine on the embedded broker: every good request gets exactly one prediction naming the model
/// versions, every malformed one lands in the dead-letter topic with its reason, and serving goes on.
@Suite("Inference engine on the embedded broker")
struct InferenceEngineTests {
    static let logger: Logger = {
        var logger = Logger(label: "test", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .warning
        return logger
    }()

    static func models() throws -> ModelSet {
        let schema = FeatureSchema(
            features: [.init(name: "x0", kind: .numeric), .init(name: "x1", kind: .numeric), .init(name: "x2", kind: .numeric)],
            hashWidth: 1)
        var pipeline = try FeaturePipeline(schema: schema)
        var champion = LogisticRegression(dimension: pipeline.dimension)
        for index in 0..<500 {  // a little training so the champion is not constant
            let x0 = Double(index % 10), x1 = Double((index * 7) % 10)
            let features: FeatureMap = ["x0": .number(x0), "x1": .number(x1), "x2": .number(1)]
            pipeline.learn(features)
            champion.learn(pipeline.transform(features).vector, label: x0 + x1 > 8 ? 1 : 0)
        }
        return ModelSet(
            champion: ServedModel(reference: ModelReference(id: "logreg", version: 3), pipeline: pipeline, model: champion),
            shadows: [ServedModel(
                reference: ModelReference(id: "logreg-fresh", version: 1), pipeline: try FeaturePipeline(schema: schema),
                model: LogisticRegression(dimension: pipeline.dimension))])
    }

    @Test func malformedRequestsAreDeadLetteredAndGoodOnesServed() async throws {
        let broker = try EmbeddedBroker(logger: Self.logger)
        let suffix = UInt32.random(in: 0...UInt32.max)
        let requests = "requests-\(suffix)", predictions = "predictions-\(suffix)", deadLetters = "dead-\(suffix)"
        for topic in [requests, predictions, deadLetters] { try broker.createTopic(topic, partitions: 4) }
        let bootstrap = KafkaClientConfiguration(bootstrapServers: [broker.bootstrapServers])

        // 2,000 good requests in the shared data format, with malformed ones mixed in.
        var input: [KafkaOutgoingMessage] = []
        var goodIDs: Set<String> = []
        let malformed = [
            "this is not json",
            #"{"ts": 1700000000.0, "features": {"x0": 1}}"#,
            #"{"id": "bad:types", "ts": 1700000000.0, "features": {"x0": {"nested": true}}}"#,
            #"{"id": "bad:nan", "ts": 1700000000.0, "features": {"x0": NaN}}"#,
            #"{"id": "bad:ts", "ts": "yesterday", "features": {}}"#,
        ]
        for index in 0..<2000 {
            let id = "sea:\(index)"
            goodIDs.insert(id)
            let json = #"{"id":"\#(id)","ts":\#(1_700_000_000 + Double(index) / 1000),"features":{"x0":\#(index % 10),"x1":\#(Double(index % 7) + 0.5),"x2":null}}"#
            input.append(KafkaOutgoingMessage(topic: requests, key: id, value: Array(json.utf8)))
            if index % 400 == 199 {
                let bad = malformed[index / 400]
                input.append(KafkaOutgoingMessage(topic: requests, key: "bad-\(index)", value: Array(bad.utf8)))
            }
        }
        let seeder = try KafkaProducer(configuration: .init(client: bootstrap), logger: Self.logger)
        let engineProducer = try KafkaProducer(configuration: .init(client: bootstrap), logger: Self.logger)
        var consumerConfiguration = KafkaConsumerConfiguration(client: bootstrap, groupID: "inference-\(suffix)")
        consumerConfiguration.autoCommitInterval = .milliseconds(200)
        let engineConsumer = try KafkaConsumer(configuration: consumerConfiguration, logger: Self.logger)
        try await engineConsumer.assign((0..<4).map { .init(topic: requests, partition: $0, offset: KafkaTopicPartitionOffset.beginning) })
        let engine = InferenceEngine(
            consumer: engineConsumer, producer: engineProducer, models: LiveModels(try Self.models()),
            configuration: { var c = InferenceEngine.Configuration(); c.topics.predictions = predictions; c.topics.deadLetter = deadLetters; return c }(),
            logger: Self.logger)
        let reader = try KafkaConsumer(
            configuration: .init(client: bootstrap, groupID: "reader-\(suffix)"), logger: Self.logger)
        try await reader.assign(
            (0..<4).flatMap { partition in
                [predictions, deadLetters].map { KafkaTopicPartitionOffset(topic: $0, partition: partition, offset: KafkaTopicPartitionOffset.beginning) }
            })

        let collected = Collected()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in [seeder, engineProducer, engineConsumer, reader] as [any Service] {
                group.addTask { try await service.run() }
            }
            group.addTask { try await engine.run() }
            let reports = try await seeder.deliver(input)
            #expect(reports.allSatisfy { $0.isDelivered })
            let deadline = ContinuousClock.now.advanced(by: .seconds(60))
            for await batch in reader.messages {
                collected.add(batch)
                if collected.counts.predictions >= 2000 && collected.counts.deadLetters >= malformed.count { break }
                if ContinuousClock.now > deadline { break }
            }
            try await Task.sleep(for: .milliseconds(300))  // a duplicate would show up here
            group.cancelAll()
            try? await group.waitForAll()
        }

        let predictionsByID = collected.predictions
        #expect(predictionsByID.count == 2000, "one prediction per good request")
        #expect(Set(predictionsByID.keys) == goodIDs)
        #expect(collected.counts.predictions == 2000, "no request served twice")
        for prediction in predictionsByID.values {
            #expect(prediction.champion.model == ModelReference(id: "logreg", version: 3))
            #expect(prediction.shadows.map(\.model) == [ModelReference(id: "logreg-fresh", version: 1)])
            #expect(prediction.champion.probabilities?.count == 2)
        }
        let letters = collected.deadLetters
        #expect(letters.count == malformed.count)
        let originals = Set(letters.compactMap { Data(base64Encoded: $0.value).map { String(decoding: $0, as: UTF8.self) } })
        #expect(originals == Set(malformed), "each dead letter keeps the original bytes")
        #expect(letters.allSatisfy { $0.source.topic == requests && !$0.reason.isEmpty })
        #expect(letters.contains { $0.reason.contains("missing field 'id'") })
        #expect(letters.contains { $0.reason.contains("field 'features.x0' has the wrong type") })
        #expect(engine.requestsServed == 2000 && engine.statistics.deadLettered == malformed.count)
    }
}

/// What the reader consumer saw.
final class Collected: Sendable {
    private struct State {
        var predictions: [String: PredictionEvent] = [:]
        var predictionCount = 0
        var deadLetters: [DeadLetterEvent] = []
    }
    private let state = Mutex(State())

    func add(_ batch: [KafkaConsumerMessage]) {
        state.withLock { state in
            for message in batch {
                if let prediction = try? EventDecoding.decode(PredictionEvent.self, from: message.value) {
                    state.predictions[prediction.requestId] = prediction
                    state.predictionCount += 1
                } else if let letter = try? EventDecoding.decode(DeadLetterEvent.self, from: message.value) {
                    state.deadLetters.append(letter)
                }
            }
        }
    }

    var counts: (predictions: Int, deadLetters: Int) { state.withLock { ($0.predictionCount, $0.deadLetters.count) } }
    var predictions: [String: PredictionEvent] { state.withLock { $0.predictions } }
    var deadLetters: [DeadLetterEvent] { state.withLock { $0.deadLetters } }
}
