import Datasets
import Flywheel
import FlywheelDemo
import FlywheelEvents
import Foundation
import KafkaTransport
import Logging
import OnlineLearning
import ServiceLifecycle
import Synchronization
import Testing

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

    /// The first `count` rows of a bundled stream (`streams/data/<name>.csv`) with its schema (`schema`, a path in the
    /// repository).
    static func stream(
        _ name: String, schema path: String, task: LearningTask = .binary, count: Int
    ) throws -> (schema: FeatureSchema, examples: [PrequentialEvaluation.Example]) {
        let schema = try JSONDecoder().decode(FeatureSchema.self, from: Data(contentsOf: repository.appendingPathComponent(path)))
        let text = try String(contentsOf: repository.appendingPathComponent("streams/data/\(name).csv"), encoding: .utf8)
        return (schema, Array(try CSVExamples.parse(text, schema: schema, target: "target", task: task).prefix(count)))
    }

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
        settings.trainerStatePath = nil
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

extension LoopHarness {
    /// Replays `stream` into a running `loop` (labels `labelDelay` requests late) with a separate consumer counting
    /// predictions, until every request is answered and joined and the trainer, promoter and registry have caught
    /// up (or 300 s pass), then lets 500 ms go by — a duplicate prediction would show up — and stops everything.
    static func replay(
        _ stream: [PrequentialEvaluation.Example], into loop: FlywheelLoop, settings: LoopSettings, name: String,
        labelDelay: Int
    ) async throws -> PredictionTally {
        let engine = try #require(loop.engine), joiner = try #require(loop.joiner)
        var replay = StreamReplayer.Configuration()
        replay.topics = settings.topics
        replay.labelDelay = labelDelay
        replay.streamName = name
        let replayer = StreamReplayer(
            producer: loop.producer, examples: stream, configuration: replay, served: { engine.requestsServed },
            learned: { (loop.trainer?.learning.examplesLearned ?? .max) &+ (loop.joiner?.labelsHeldBack ?? 0) }, logger: logger)
        let reader = try await predictionReader(settings)
        let tally = PredictionTally()
        func caughtUp() -> Bool {
            tally.distinct >= stream.count && joiner.counters.joined >= stream.count
                && (loop.trainer?.learning.examplesLearned ?? stream.count) + joiner.labelsHeldBack >= stream.count
                && (loop.promoter?.examplesSeen ?? stream.count) + joiner.labelsHeldBack >= stream.count
                && (loop.recorder?.reportsRecorded ?? 0) >= (loop.recorder == nil ? 0 : joiner.driftReportsPublished)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in loop.services + [reader] as [any Service] { group.addTask { try await service.run() } }
            group.addTask { try await replayer.run() }
            group.addTask { for await batch in reader.messages { tally.add(batch) } }
            let deadline = ContinuousClock.now.advanced(by: .seconds(300))
            while ContinuousClock.now < deadline, !caughtUp() { try await Task.sleep(for: .milliseconds(50)) }
            try await Task.sleep(for: .milliseconds(500))
            group.cancelAll()
            try? await group.waitForAll()
        }
        return tally
    }
}

/// Every prediction the reader saw: how many per request, and the served answer.
final class PredictionTally: Sendable {
    private let state = Mutex<(counts: [String: Int], answers: [String: Double], champions: [String: String], total: Int, probabilityCounts: Set<Int>)>(([:], [:], [:], 0, []))

    func add(_ batch: [KafkaConsumerMessage]) {
        let predictions = batch.compactMap { try? EventDecoding.decode(PredictionEvent.self, from: $0.value) }
        state.withLock { state in
            for prediction in predictions {
                state.counts[prediction.requestId, default: 0] += 1
                state.answers[prediction.requestId] = prediction.champion.answer
                state.champions[prediction.requestId] = prediction.champion.model.id
                state.probabilityCounts.insert(prediction.champion.probabilities?.count ?? 0)
                state.total += 1
            }
        }
    }

    var total: Int { state.withLock { $0.total } }
    var distinct: Int { state.withLock { $0.counts.count } }
    var counts: [String: Int] { state.withLock { $0.counts } }
    var answers: [String: Double] { state.withLock { $0.answers } }
    var champions: [String: String] { state.withLock { $0.champions } }
    /// How many class probabilities the served answers carried (0 for a regressor's value), each count seen.
    var probabilityCounts: Set<Int> { state.withLock { $0.probabilityCounts } }
}
