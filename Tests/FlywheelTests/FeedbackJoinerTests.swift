import FeatureValues
import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import Logging
import ServiceLifecycle
import Testing

/// The feedback joiner on the embedded broker: labels before or after their predictions are joined exactly once,
/// malformed labels are dead-lettered, and both models are scored.
@Suite("Feedback joiner on the embedded broker")
struct FeedbackJoinerTests {
    /// Every example on `topic` as kcat (an outside client) reads it and scripts/read-examples.py turns it into JSON.
    static func readWithKcat(bootstrap: String, topic: String) throws -> [JoinedExample] {
        let kcat = try #require(
            ["/usr/bin/kcat", "/usr/local/bin/kcat"].first { FileManager.default.isExecutableFile(atPath: $0) },
            "kcat is not installed: apt-get install -y kcat")
        let script = LoopHarness.repository.appendingPathComponent("scripts/read-examples.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(kcat) -b \(bootstrap) -C -t \(topic) -o beginning -e -q -f '%R%s' | python3 \(script) --check"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "kcat | scripts/read-examples.py failed")
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try EventDecoding.decodeWithFoundation(JoinedExample.self, from: Array($0.utf8))
        }
    }

    @Test func joinsPredictionsAndLabelsInEitherOrder() async throws {
        let logger = InferenceEngineTests.logger
        let broker = try EmbeddedBroker(logger: logger)
        let suffix = UInt32.random(in: 0...UInt32.max)
        var configuration = FeedbackJoiner<ContinuousClock>.Configuration()
        configuration.topics.predictions = "predictions-\(suffix)"
        configuration.topics.labels = "labels-\(suffix)"
        configuration.topics.examples = "examples-\(suffix)"
        configuration.topics.deadLetter = "dead-\(suffix)"
        for topic in [configuration.topics.predictions, configuration.topics.labels, configuration.topics.examples, configuration.topics.deadLetter] {
            try broker.createTopic(topic, partitions: 2)
        }
        let client = KafkaClientConfiguration(bootstrapServers: [broker.bootstrapServers])
        let champion = ModelReference(id: "logreg", version: 1), shadow = ModelReference(id: "fresh", version: 1)
        func prediction(_ index: Int) -> KafkaOutgoingMessage {
            let event = PredictionEvent(
                requestId: "r\(index)", ts: Double(index), features: ["x": .number(Double(index))],
                champion: ModelOutput(model: champion, answer: 1, probabilities: [0.4, 0.6]),
                shadows: [ModelOutput(model: shadow, answer: 0, probabilities: [0.7, 0.3])])
            return KafkaOutgoingMessage(topic: configuration.topics.predictions, key: "r\(index)", value: EventDecoding.encode(event))
        }
        func label(_ index: Int) -> KafkaOutgoingMessage {
            KafkaOutgoingMessage(
                topic: configuration.topics.labels, key: "r\(index)",
                value: EventDecoding.encode(LabelEvent(id: "r\(index)", ts: Double(index) + 1, label: Double(index % 2))))
        }
        // Labels 0..<100 first, then every prediction, then labels 100..<480; 20 requests never get one.
        var input = (0..<100).map(label) + (0..<500).map(prediction) + (100..<480).map(label)
        input.append(KafkaOutgoingMessage(topic: configuration.topics.labels, key: "bad", value: Array(#"{"id": "x"}"#.utf8)))

        let seeder = try KafkaProducer(configuration: .init(client: client), logger: logger)
        let producer = try KafkaProducer(configuration: .init(client: client), logger: logger)
        let consumer = try KafkaConsumer(configuration: .init(client: client, groupID: "joiner-\(suffix)"), logger: logger)
        try await consumer.assign((0..<2).flatMap { partition in
            [configuration.topics.predictions, configuration.topics.labels].map {
                KafkaTopicPartitionOffset(topic: $0, partition: partition, offset: KafkaTopicPartitionOffset.beginning)
            }
        })
        let reader = try KafkaConsumer(configuration: .init(client: client, groupID: "reader-\(suffix)"), logger: logger)
        try await reader.assign((0..<2).flatMap { partition in
            [configuration.topics.examples, configuration.topics.deadLetter].map {
                KafkaTopicPartitionOffset(topic: $0, partition: partition, offset: KafkaTopicPartitionOffset.beginning)
            }
        })
        let joiner = try FeedbackJoiner(consumer: consumer, producer: producer, configuration: configuration, clock: ContinuousClock(), logger: logger)

        var examples: [String: Int] = [:]
        var deadLetters: [DeadLetterEvent] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in [seeder, producer, consumer, reader] as [any Service] { group.addTask { try await service.run() } }
            group.addTask { try await joiner.run() }
            #expect(try await seeder.deliver(input).allSatisfy { $0.isDelivered })
            let deadline = ContinuousClock.now.advanced(by: .seconds(60))
            for await batch in reader.messages {
                for message in batch {
                    if let example = try? EventDecoding.decodeExample(from: message.value) {
                        examples[example.requestId, default: 0] += 1
                        #expect(example.features == ["x": .number(example.requestTs)], "features as scored")
                        #expect(example.champion.model == champion && example.shadows.map(\.model) == [shadow])
                    } else if let letter = try? EventDecoding.decode(DeadLetterEvent.self, from: message.value) {
                        deadLetters.append(letter)
                    }
                }
                if examples.count >= 480 && deadLetters.count >= 1 || ContinuousClock.now > deadline { break }
            }
            try await Task.sleep(for: .milliseconds(300))
            group.cancelAll()
            try? await group.waitForAll()
        }
        #expect(examples.count == 480)
        #expect(examples.values.allSatisfy { $0 == 1 }, "each request joined once")
        #expect(Set(examples.keys) == Set((0..<480).map { "r\($0)" }))
        #expect(deadLetters.count == 1 && deadLetters[0].reason.contains("missing field"))
        #expect(joiner.counters.joined == 480)
        // An outside tool reads the topic: kcat, and scripts/read-examples.py for the binary form.
        let outside = try Self.readWithKcat(bootstrap: broker.bootstrapServers, topic: configuration.topics.examples)
        #expect(outside.count == 480)
        #expect(Set(outside.map(\.requestId)) == Set(examples.keys))
        #expect(outside.allSatisfy { $0.features == ["x": .number($0.requestTs)] && $0.champion.model == champion })
        #expect(joiner.pending.predictions == 20, "the 20 unlabelled requests still wait within the window")
        #expect(joiner.counters.unlabeledPredictions == 0)
        let board = joiner.scoreboard
        #expect(board.entries[champion.id]?.overall.count == 480)
        #expect(abs((board.entries[champion.id]?.overall.accuracy ?? 0) - 0.5) < 1e-12)  // always says 1; half the labels are 1
        #expect(abs((board.entries[shadow.id]?.overall.accuracy ?? 0) - 0.5) < 1e-12)
    }
}
