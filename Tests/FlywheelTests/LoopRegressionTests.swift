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
        let joiner = try #require(loop.joiner), trainer = try #require(loop.trainer)
        let tally = try await LoopHarness.replay(stream, into: loop, settings: settings, name: "friedman", labelDelay: 500)
        _ = broker
        #expect(tally.distinct == stream.count && joiner.counters.joined == stream.count)
        // Every model publishes at its own interval (the perceptron's grows with its size).
        let expectedVersions = trainer.models.reduce(0) {
            $0 + stream.count / ModelTrainer.publishInterval(of: $1.learner, every: settings.publishEvery)
        }
        #expect(trainer.statistics.versionsPublished == expectedVersions && expectedVersions >= 4 * 30)
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
