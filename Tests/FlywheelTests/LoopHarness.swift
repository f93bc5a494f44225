import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import Logging
import OnlineLearning
import ServiceLifecycle
import Synchronization

/// Shared set-up for the end-to-end tests: the bundled SEA stream, a loop on the embedded broker with its own topic
/// names, and a separate consumer that counts predictions per request.
enum LoopHarness {
    static let logger: Logger = {
        var logger = Logger(label: "e2e", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .warning
        return logger
    }()

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let seaSchema: FeatureSchema = {
        let data = try! Data(contentsOf: repository.appendingPathComponent("streams/sea_abrupt.schema.json"))
        return try! JSONDecoder().decode(FeatureSchema.self, from: data)
    }()

    /// The bundled `sea_abrupt` stream (100,000 rows; concepts change at 25,000, 50,000, 75,000).
    static let sea: [PrequentialEvaluation.Example] = {
        let text = try! String(contentsOf: repository.appendingPathComponent("streams/data/sea_abrupt.csv"), encoding: .utf8)
        return try! CSVExamples.parse(text, schema: seaSchema, target: "target")
    }()

    /// A broker with the loop's topics under a fresh prefix, and settings pointing at them.
    static func cluster(partitions: Int32 = 4) throws -> (broker: EmbeddedBroker, settings: LoopSettings) {
        let broker = try EmbeddedBroker(logger: logger)
        let suffix = UInt32.random(in: 0...UInt32.max)
        var settings = LoopSettings.embedded(bootstrapServers: broker.bootstrapServers)
        settings.topics = LoopTopics().prefixed("t\(suffix).")
        settings.groupPrefix = "g\(suffix)"
        settings.registryPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("registry-\(suffix).sqlite").path
        settings.feedbackStatePath = nil
        for topic in settings.topics.all { try broker.createTopic(topic, partitions: partitions) }
        return (broker, settings)
    }

    /// A consumer of the predictions topic from the beginning, outside every group the loop uses.
    static func predictionReader(_ settings: LoopSettings, partitions: Int32 = 4) async throws -> KafkaConsumer {
        let reader = try KafkaConsumer(
            configuration: .init(client: settings.client, groupID: "\(settings.groupPrefix)-reader"), logger: logger)
        try await reader.assign((0..<partitions).map {
            KafkaTopicPartitionOffset(topic: settings.topics.predictions, partition: $0, offset: KafkaTopicPartitionOffset.beginning)
        })
        return reader
    }
}

/// Every prediction the reader saw: how many per request, and the served answer.
final class PredictionTally: Sendable {
    private let state = Mutex<(counts: [String: Int], answers: [String: Double], champions: [String: String], total: Int)>(([:], [:], [:], 0))

    func add(_ batch: [KafkaConsumerMessage]) {
        let predictions = batch.compactMap { try? EventDecoding.decode(PredictionEvent.self, from: $0.value) }
        state.withLock { state in
            for prediction in predictions {
                state.counts[prediction.requestId, default: 0] += 1
                state.answers[prediction.requestId] = prediction.champion.answer
                state.champions[prediction.requestId] = prediction.champion.model.id
                state.total += 1
            }
        }
    }

    var total: Int { state.withLock { $0.total } }
    var distinct: Int { state.withLock { $0.counts.count } }
    var counts: [String: Int] { state.withLock { $0.counts } }
    var answers: [String: Double] { state.withLock { $0.answers } }
    var champions: [String: String] { state.withLock { $0.champions } }
}
