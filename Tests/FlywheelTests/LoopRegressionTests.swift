import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import OnlineLearning
import ServiceLifecycle
import Testing

/// The loop with regressors: 10,000 requests of the bundled `friedman_gra` stream, labels 500 events late, linear
/// regressions served, joined, scored by MAE and trained; the champion ends far better than predicting the mean.
@Suite("The loop with linear regression")
struct LoopRegressionTests {
    @Test func friedmanIsServedJoinedAndLearned() async throws {
        let schemaData = try Data(contentsOf: LoopHarness.repository.appendingPathComponent("streams/data/friedman_gra.meta.json"))
        let schema = try JSONDecoder().decode(FeatureSchema.self, from: schemaData)
        let text = try String(contentsOf: LoopHarness.repository.appendingPathComponent("streams/data/friedman_gra.csv"), encoding: .utf8)
        let stream = Array(try CSVExamples.parse(text, schema: schema, target: "target", task: .regression).prefix(10_000))
        let (broker, settings) = try LoopHarness.cluster()
        defer { try? FileManager.default.removeItem(atPath: settings.registryPath) }
        let loop = try await FlywheelLoop(
            settings: settings, initial: try InitialModels.make(schema: schema, task: .regression), logger: LoopHarness.logger)
        let engine = try #require(loop.engine), joiner = try #require(loop.joiner), trainer = try #require(loop.trainer)
        var replay = StreamReplayer.Configuration()
        replay.requestsTopic = settings.topics.requests
        replay.labelsTopic = settings.topics.labels
        replay.labelDelay = 500
        replay.streamName = "friedman"
        let replayer = StreamReplayer(
            producer: loop.producer, examples: stream, configuration: replay, served: { engine.statistics.served },
            logger: LoopHarness.logger)
        let reader = try await LoopHarness.predictionReader(settings)
        let tally = PredictionTally()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in loop.services + [reader] as [any Service] { group.addTask { try await service.run() } }
            group.addTask { try await replayer.run() }
            group.addTask { for await batch in reader.messages { tally.add(batch) } }
            let deadline = ContinuousClock.now.advanced(by: .seconds(240))
            while ContinuousClock.now < deadline,
                tally.distinct < stream.count || joiner.counters.joined < stream.count
                    || trainer.statistics.examplesLearned < stream.count
            {
                try await Task.sleep(for: .milliseconds(50))
            }
            group.cancelAll()
            try? await group.waitForAll()
        }
        _ = broker
        #expect(tally.distinct == stream.count && joiner.counters.joined == stream.count)
        #expect(trainer.statistics.versionsPublished == 3 * (stream.count / settings.publishEvery))
        let board = joiner.scoreboard
        let champion = try #require(board.entries[InitialModels.regressionChampionID])
        #expect(!champion.isClassifier && champion.regression.count == stream.count)
        // Baseline: always answering the stream's mean target (which no online model could even know in advance).
        let mean = stream.map(\.target).reduce(0, +) / Double(stream.count)
        let baseline = stream.map { abs($0.target - mean) }.reduce(0, +) / Double(stream.count)
        #expect(board.served.regression.meanAbsoluteError < 0.85 * baseline,  // the learning curve included
                "served MAE \(board.served.regression.meanAbsoluteError), mean baseline \(baseline)")
        #expect(board.served.recentAbsoluteError.value < 0.6 * baseline, "the last 1,000: \(board.served.recentAbsoluteError.value)")
    }
}
