import Datasets
import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import OnlineLearning
import Testing

/// A challenger of another family wins in the loop: on 30,000 requests of agrawal_abrupt (its first concept is not
/// linear; a drift at 25,000), labels 500 requests late, the perceptron shadow `mlp` is promoted and the served
/// answers end far ahead of every linear model — the promoter compares families on the same requests.
@Suite("The loop with a perceptron challenger")
struct LoopPerceptronTests {
    @Test func thePerceptronIsPromotedOnAgrawal() async throws {
        let (schema, stream) = try LoopHarness.stream("agrawal_abrupt", schema: "streams/agrawal_abrupt.schema.json", count: 30_000)
        let (broker, settings) = try LoopHarness.cluster()
        defer { try? FileManager.default.removeItem(atPath: settings.registryPath) }
        let loop = try await FlywheelLoop(settings: settings, initial: try InitialModels.make(schema: schema), logger: LoopHarness.logger)
        let joiner = try #require(loop.joiner), promoter = try #require(loop.promoter)
        let tally = try await LoopHarness.replay(stream, into: loop, settings: settings, name: "agrawal", labelDelay: 500)
        _ = broker
        #expect(tally.distinct == stream.count && joiner.counters.joined == stream.count)
        let promotedToPerceptron = promoter.decisions.filter { $0.decision.winner.id == "mlp" }
        #expect(!promotedToPerceptron.isEmpty, "decisions: \(promoter.decisions.map { "\($0.decision.winner.id)@\($0.requestId)" })")
        let board = joiner.scoreboard
        let linearBest = ["logreg", "logreg-finetune", "logreg-fresh"].compactMap { board.entries[$0]?.overall.accuracy }.max() ?? 1
        let served = board.served.overall.accuracy
        print("agrawal in the loop: served accuracy \(served), best linear model \(linearBest), mlp \(board.entries["mlp"]?.overall.accuracy ?? 0)")
        #expect(served > linearBest + 0.05, "served \(served) vs the best linear model \(linearBest)")
    }
}
