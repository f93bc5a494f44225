import Datasets
import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import OnlineLearning
import Testing

/// The loop with three classes: 8,000 requests of the bundled `waveform` stream (river's `Waveform(seed=42)`),
/// labels 500 requests late. The champion is a softmax regression that learns far too slowly (SGD at 0.0001) beside
/// the default multiclass shadows (softmax lines, a softmax perceptron, k nearest neighbours), so the whole multiclass path is exercised:
/// predictions carry every class's probability, labels of class 2 are joined (not refused as a binary loop would),
/// the scoreboard and drift monitor score accuracy, the trainer publishes versions of every model, and the promoter
/// replaces the slow champion with a challenger, after which what is served is far above chance.
@Suite("The loop with a multiclass stream")
struct LoopMulticlassTests {
    @Test func waveformIsServedJoinedLearnedAndPromoted() async throws {
        let (schema, stream) = try LoopHarness.stream("waveform", schema: "streams/data/waveform.meta.json", task: .multiclass, count: 8_000)
        let defaults = try InitialModels.make(schema: schema, task: .multiclass, classes: 3)
        #expect(defaults.champion.reference.id == "softmax" && defaults.shadows.map(\.reference.id) == ["softmax-finetune", "softmax-fresh", "mlp", "knn"])
        #expect(([defaults.champion] + defaults.shadows).allSatisfy { $0.learner.classCount == 3 })
        let slow = ServedModel(
            reference: ModelReference(id: "softmax", version: 1), pipeline: defaults.champion.pipeline,
            learner: .softmax(SoftmaxRegression(classes: 3, dimension: defaults.champion.pipeline.dimension, learningRate: 0.0001)))
        let (broker, settings) = try LoopHarness.cluster()
        defer { try? FileManager.default.removeItem(atPath: settings.registryPath) }
        let loop = try await FlywheelLoop(
            settings: settings, initial: ModelSet(champion: slow, shadows: defaults.shadows), logger: LoopHarness.logger)
        let joiner = try #require(loop.joiner), trainer = try #require(loop.trainer), promoter = try #require(loop.promoter)
        let tally = try await LoopHarness.replay(stream, into: loop, settings: settings, name: "waveform", labelDelay: 500)
        _ = broker
        #expect(tally.distinct == stream.count && tally.total == stream.count, "every request answered once")
        #expect(tally.probabilityCounts == [3], "every prediction carries three class probabilities: \(tally.probabilityCounts)")
        #expect(joiner.counters.joined == stream.count, "labels of every class are joined, none refused")
        #expect(trainer.learning.examplesLearned == stream.count)
        #expect(trainer.models.allSatisfy { $0.learner.classCount == 3 && $0.reference.version > 1 })
        #expect(joiner.driftReportsPublished > 0)

        let board = joiner.scoreboard
        for id in ["softmax", "softmax-finetune", "softmax-fresh", "mlp", "knn"] {
            let entry = try #require(board.entries[id], "\(id) is on the scoreboard")
            #expect(entry.isClassifier && entry.overall.count == stream.count)
            #expect(entry.overall.logLoss.isFinite && entry.overall.logLoss > 0)
        }
        let winners = promoter.decisions.map(\.decision.winner.id)
        #expect(winners.contains { $0 != "softmax" }, "the slow champion is replaced; decisions: \(winners)")
        // Served answers from request 3,000 on (after the first promotions reach the engine), read from the
        // predictions topic, against the stream's labels: chance is about 1/3.
        let answers = tally.answers
        let late = (3_000..<stream.count).filter { answers["waveform:\($0)"] == stream[$0].target }.count
        let lateAccuracy = Double(late) / Double(stream.count - 3_000)
        print("waveform in the loop: served accuracy from request 3,000 \(lateAccuracy), whole run \(board.served.overall.accuracy); slow champion \(board.entries["softmax"]?.overall.accuracy ?? 0); decisions \(winners)")
        #expect(lateAccuracy > 0.78, "served accuracy after 3,000: \(lateAccuracy)")
        #expect(board.served.overall.accuracy > (board.entries["softmax"]?.overall.accuracy ?? 1) + 0.05)
    }
}
