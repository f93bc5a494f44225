import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import ModelRegistry
import OnlineLearning
import ServiceLifecycle
import Testing

/// The whole loop on the embedded broker, as issue 3 accepts it: 20,000 SEA requests with an abrupt drift at 10,000
/// and labels 500 events late. Every request gets exactly one prediction (counted by a consumer of its own), every
/// label is joined, a shadow is promoted after the drift, the champion ends within 3 points of its pre-drift
/// accuracy, and the registry holds the versions and the audited promotions.
///
/// It runs the window rule (`--promotion-rule window`), whose loop behaviour it was written for: on this short stream
/// the sequential rule (the default) rightly promotes nobody — the champion adapts to the new concept by itself and
/// no shadow is shown better within 10,000 labels. The sequential rule's loop behaviour is checked by the full demo
/// (DemoRunTests: every decision audited with its evidence chart), on agrawal (LoopPerceptronTests: the perceptron
/// promoted) and on waveform (LoopMulticlassTests: a slow champion replaced).
///
/// The champion is the logistic regression whose rate decays as 0.3 / √(1 + t) (the default champion until issue 16):
/// it adapts slowly after a drift, which is what a promotion after the drift needs. Today's default champion (AdaGrad
/// on the weights, SGD on the intercept) follows sea's threshold change by itself, and then rightly nobody is promoted.
@Suite("The loop end to end")
struct LoopEndToEndTests {
    @Test func seaWithDriftServesJoinsLearnsAndPromotes() async throws {
        let (broker, clusterSettings) = try LoopHarness.cluster()
        var settings = clusterSettings
        settings.promotionRule = .window
        defer { try? FileManager.default.removeItem(atPath: settings.registryPath) }
        // Concept 0 (threshold 8) for 10,000 requests, then concept 3 (threshold 9.5): rows 75,000… of the bundled
        // file. Concept 1 (threshold 9) moved the champion's error by only +0.045, which ADWIN (δ 0.002) cannot
        // separate from noise when an earlier alarm (the model improving) cut its window to ~1,000 requests just
        // before the drift: a run with an alarm at request 8,985 had none after the drift (1 full test run in ~10).
        let stream = Array(LoopHarness.sea[0..<10_000]) + Array(LoopHarness.sea[75_000..<85_000])
        let defaults = try InitialModels.make(schema: LoopHarness.seaSchema)
        let slowAdapter = ServedModel(
            reference: defaults.champion.reference, pipeline: defaults.champion.pipeline,
            model: LogisticRegression(dimension: defaults.champion.pipeline.dimension, learningRate: 0.3, decayPower: 0.5))
        let loop = try await FlywheelLoop(
            settings: settings, initial: ModelSet(champion: slowAdapter, shadows: defaults.shadows), logger: LoopHarness.logger)
        let engine = try #require(loop.engine), joiner = try #require(loop.joiner), promoter = try #require(loop.promoter)
        let tally = try await LoopHarness.replay(stream, into: loop, settings: settings, name: "sea", labelDelay: 500)
        _ = broker

        // Exactly one prediction per request.
        #expect(tally.distinct == stream.count)
        #expect(tally.total == stream.count, "\(tally.total - stream.count) duplicate predictions")
        // Every label joined, none orphaned.
        #expect(joiner.counters.joined == stream.count)
        #expect(joiner.counters.orphanedLabels == 0 && joiner.counters.unlabeledPredictions == 0)

        // A shadow was promoted after the drift (decided on a request after 10,000) and served before the end.
        let decisions = promoter.decisions
        let afterDrift = decisions.filter { $0.decision.changesChampion && Self.index($0.requestId) > 10_000 }
        #expect(!afterDrift.isEmpty, "decisions: \(decisions.map { "\($0.decision.kind) \($0.decision.winner) at \($0.requestId)" })")
        let switches = engine.championChanges.dropFirst()
        #expect(switches.contains { Self.index($0.firstRequestID) > 10_000 && Self.index($0.firstRequestID) < stream.count })

        // The served answers' accuracy over the last 2,000 requests is within 3 points of the 2,000 before the drift
        // (over 1,000 each, the difference's sampling error alone was ~1.4 points: one CI run in many fell 4.2 short).
        let answers = tally.answers
        func accuracy(_ range: Range<Int>) -> Double {
            Double(range.filter { answers["sea:\($0)"] == stream[$0].target }.count) / Double(range.count)
        }
        let before = accuracy(8000..<10_000), end = accuracy(18_000..<20_000)
        #expect(end >= before - 0.03, "pre-drift \(before), end \(end)")
        #expect(before > 0.8, "the champion learned the first concept: \(before)")

        // The registry: versions of every model, each decision audited with its evidence, the alias on the winner.
        let registry = try ModelRegistry(path: settings.registryPath)
        #expect(try registry.versions(of: InitialModels.championID).count >= 20)
        let log = try registry.auditLog()
        #expect(log.count == decisions.count)
        #expect(log.allSatisfy { $0.evidence.contains("\"samples\":1000") && $0.actor.hasPrefix("promoter@") })
        #expect(try registry.alias(ModelRegistry.championAlias)?.id == decisions.last?.decision.winner.id)

        // Drift: reports for every model in the registry, and an ADWIN alarm on the champion, error up, after the drift.
        let reports = try registry.driftReports()
        #expect(reports.count == joiner.driftReportsPublished && Set(reports.map(\.model.id)).count == defaults.shadows.count + 1)
        // Feature drift on the serving model's reports: SEA's drift moves the concept, not the features — so the label
        // (and the predictions) drift after 10,000 while x0, x1, x2 do not.
        let tables = reports.filter { !$0.features.isEmpty }
        #expect(tables.count == 4, "a feature table every 5,000 examples (the first compares 3,000 with the 2,000-request reference)")
        let tests = tables.flatMap { $0.features.filter { $0.statistic.hasSuffix("(BH)") } }
        #expect(tests.contains { $0.name == "(label)" && $0.drifted }, "label drift after the concept change")
        #expect(tests.filter { ["x0", "x1", "x2"].contains($0.name) && $0.drifted }.count <= 1,
                "features: \(tests.filter { $0.drifted }.map { "\($0.name) \($0.value)" })")
        #expect(tests.allSatisfy { $0.bins?.count == $0.reference?.count && $0.bins?.count == $0.current?.count })
        // Accuracy while labels are in flight: the serving model's reports estimate it for the predictions waiting
        // for their labels (up to ~500: labels come 500 requests late) whenever any wait at the report's moment —
        // not always (the last report ends the stream; under load a batch can catch up with every label).
        let estimated = tables.filter { $0[.estimatedAccuracy] != nil }
        #expect(!estimated.isEmpty, "no report carried an in-flight estimate")
        for table in estimated {
            let estimate = table[.estimatedAccuracy] ?? 0, inFlight = try #require(table[.inFlight])
            #expect(estimate > 0.5 && estimate <= 1 && inFlight >= 1 && inFlight <= 5000, "estimate \(estimate) over \(inFlight)")
        }
        // (How close the estimate comes is measured where it can be: InFlightEstimateTests per window, and the demo's
        // 18 windows in DemoRunTests; one snapshot of a few hundred predictions in flight here is too few to judge.)
        // A change of concept is not bad labels: the label guard held nothing back.
        #expect(joiner.labelsHeldBack == 0 && joiner.labelsSuspect == false)
        #expect(joiner.driftAlarms.contains { $0.isChampion && Self.index($0.requestId) > 10_000 && $0.errorChange > 0 },
                "alarms: \(joiner.driftAlarms.map { "\($0.model) at \($0.requestId) \($0.errorChange)" })")
    }

    static func index(_ requestID: String) -> Int { Int(requestID.split(separator: ":").last ?? "") ?? -1 }
}
