import FeatureValues
import Flywheel
import FlywheelEvents
import Foundation
import ModelRegistry
import OnlineLearning
import Testing

/// The drift monitor in the joiner, and what the trainer does with its alarms.
@Suite("Drift monitor")
struct DriftMonitorTests {
    static let champion = ModelReference(id: "champ", version: 3)
    static let shadow = ModelReference(id: "fresh", version: 2)

    /// Request `index`: label 1; the champion is wrong with probability `championError` (deterministic pattern),
    /// the shadow always right.
    static func example(_ index: Int, championWrong: Bool) -> JoinedExample {
        JoinedExample(
            requestId: "r:\(index)", requestTs: Double(index), labelTs: Double(index) + 0.5, features: [:], label: 1,
            champion: ModelOutput(model: champion, answer: championWrong ? 0 : 1, probabilities: championWrong ? [0.8, 0.2] : [0.2, 0.8]),
            shadows: [ModelOutput(model: shadow, answer: 1, probabilities: [0.1, 0.9])])
    }

    @Test func regularReportsAndAnAlarmWhenTheChampionGetsWorse() {
        var monitor = DriftMonitor(reportEvery: 1000)
        var reports: [DriftReport] = []
        // 10% errors for 3,000 requests, then 50%.
        for index in 0..<6000 {
            let wrong = index < 3000 ? index % 10 == 0 : index % 2 == 0
            reports += monitor.record(Self.example(index, championWrong: wrong), now: 1_700_000_000)
        }
        let alarm = monitor.alarms.first { $0.model.id == "champ" }
        #expect(alarm != nil, "the champion's jump raises an alarm")
        #expect(alarm?.isChampion == true && (alarm?.errorChange ?? 0) > 0.2)
        let alarmIndex = Int(alarm?.requestId.split(separator: ":").last ?? "") ?? -1
        #expect(alarmIndex > 3000 && alarmIndex < 3300, "ADWIN sees the jump within a few clock ticks: \(alarmIndex)")
        #expect(!monitor.alarms.contains { $0.model.id == "fresh" }, "a model that stays right raises no alarm")
        // Regular reports: the first window of the champion covers 1,000 examples at 90% accuracy.
        let first = reports.first { $0.model.id == "champ" }
        #expect(first != nil)
        #expect(first?.window.examples == 1000 && first?.metrics["accuracy"] == 0.9 && first?.champion == true)
        #expect(first?.window.fromTs == 0.5 && first?.window.toTs == 999.5)
        #expect(reports.contains { $0.model.id == "champ" && $0.detectors == [.init(name: "ADWIN", state: .drift)] })
        #expect(reports.filter { $0.model.id == "fresh" }.count == 6, "one report per 1,000 examples")
        #expect(reports.first { $0.model.id == "fresh" }?.champion == false)
    }

    /// Beside the request's features the monitor tracks the champion's score and the label as two more columns:
    /// when only the labels change, only `(label)` drifts; when only the scores change, only `(prediction)` does.
    @Test func scoreAndLabelColumnsTrackTheirOwnValues() throws {
        let schema = FeatureSchema(features: [.init(name: "x", kind: .numeric)])
        var configuration = FeatureDriftTracker.Configuration()
        configuration.referenceSize = 1000
        var monitor = DriftMonitor(reportEvery: 1000, schema: schema, features: configuration)
        var tables: [[DriftReport.FeatureDrift]] = []
        for index in 0..<4000 {
            // Reference (first 1,000) and the second window: labels 0/1 alternating, scores spread over 0.1–0.9.
            // Third window: every label 1, scores unchanged. Fourth: labels as at first, scores over 0.6–0.9.
            // (x stays uniform throughout.)
            let x = Double(index * 7919 % 1000) / 1000
            let label: Double = (2000..<3000).contains(index) ? 1 : Double(index % 2)
            let spread = Double(index * 104_729 % 1000) / 1000
            let score = index >= 3000 ? 0.6 + 0.3 * spread : 0.1 + 0.8 * spread
            let example = JoinedExample(
                requestId: "r:\(index)", requestTs: Double(index), labelTs: Double(index), features: ["x": .number(x)],
                label: label, champion: ModelOutput(model: Self.champion, answer: score > 0.5 ? 1 : 0, probabilities: [1 - score, score]),
                shadows: [])
            for report in monitor.record(example, now: 0) where !report.features.isEmpty { tables.append(report.features) }
        }
        func drifted(_ table: [DriftReport.FeatureDrift]) -> Set<String> {
            Set(table.filter { $0.statistic.hasSuffix("(BH)") && $0.drifted }.map(\.name))
        }
        #expect(tables.count == 3)
        #expect(Set(tables.first?.map(\.name) ?? []) == ["x", "(prediction)", "(label)"])
        #expect(drifted(tables[0]) == [], "the second window is like the reference")
        #expect(drifted(tables[1]) == ["(label)"], "only the labels changed")
        #expect(drifted(tables[2]) == ["(prediction)"], "only the scores changed")
    }

    @Test func windowsAlsoEndAfterTheReportInterval() {
        var monitor = DriftMonitor(reportEvery: 10_000, reportInterval: 5)
        var reports: [DriftReport] = []
        // One example a second: a window starts at t, ends at the first example at t + 5 or later.
        for second in 0..<20 {
            reports += monitor.record(Self.example(second, championWrong: false), now: Double(second))
        }
        let champion = reports.filter { $0.model.id == "champ" }
        #expect(champion.map(\.ts) == [5, 11, 17])
        #expect(champion.allSatisfy { $0.window.examples == 6 })
    }

    /// A logistic regression (SGD 0.05) and its pipeline after 200 examples of `a % 7 > 3`.
    static func trainedModel() throws -> (FeaturePipeline, LogisticRegression) {
        let schema = FeatureSchema(features: [.init(name: "a", kind: .numeric)], hashWidth: 1)
        var pipeline = try FeaturePipeline(schema: schema)
        var learned = LogisticRegression(dimension: pipeline.dimension, learningRate: 0.05)
        for index in 0..<200 {
            let features: FeatureMap = ["a": .number(Double(index % 7))]
            pipeline.learn(features)
            learned.learn(pipeline.transform(features).vector, label: index % 7 > 3 ? 1 : 0)
        }
        return (pipeline, learned)
    }

    @Test func theTrainerRestartsTheFreshShadowOnlyWhenTheChampionGetsWorse() throws {
        let (pipeline, learned) = try Self.trainedModel()
        let fresh = ServedModel(reference: Self.shadow, pipeline: pipeline, model: learned)
        let champ = ServedModel(reference: Self.champion, pipeline: pipeline, model: learned)
        var trainer = ModelTrainer(models: [champ, fresh], publishEvery: 100, restartsOnChampionDrift: "fresh")
        func report(model: ModelReference, champion: Bool, change: Double, state: DriftReport.Detector.State = .drift) -> DriftReport {
            var report = DriftReport(
                model: model, ts: 5, window: .init(fromTs: 1, toTs: 2, examples: 40), metrics: ["errorChange": change],
                detectors: [.init(name: "ADWIN", state: state)], features: [])
            report.champion = champion
            return report
        }
        let fell = trainer.handle(report(model: Self.champion, champion: true, change: -0.1), ts: 9)
        let notServing = trainer.handle(report(model: Self.champion, champion: false, change: 0.1), ts: 9)
        let stable = trainer.handle(report(model: Self.champion, champion: true, change: 0.1, state: .stable), ts: 9)
        let itself = trainer.handle(report(model: Self.shadow, champion: true, change: 0.1), ts: 9)
        #expect(fell == nil, "error fell")
        #expect(notServing == nil, "not serving")
        #expect(stable == nil, "no drift")
        #expect(itself == nil, "never the champion itself")
        let restart = trainer.handle(report(model: Self.champion, champion: true, change: 0.1), ts: 9)
        let event = try #require(restart)
        #expect(event.model == ModelReference(id: "fresh", version: 3))
        #expect(event.evidence?["reason"] == .text("restarted after a drift alarm on the champion"))
        #expect(event.evidence?["champion"] == .text("champ v3"))
        let restarted = trainer.models[1]
        #expect(restarted.learner.weights.allSatisfy { $0 == 0 } && restarted.learner.examplesSeen == 0)
        #expect(restarted.learner.learningRate == 0.05, "same settings")
        #expect(restarted.pipeline.statistics.allSatisfy { $0.count == 0 })
        #expect(trainer.models[0].learner == champ.learner, "the champion keeps its weights")
    }

    /// A drift report about the champion a promotion replaced (labels of requests it served before the change) can
    /// reach the trainer after the promotion: the trainer follows promotions and rollbacks on the models topic and
    /// never restarts the model serving now — once the old champion is back, the same report restarts the shadow.
    @Test func aNewlyPromotedChampionIsNeverRestartedForItsPredecessorsAlarm() throws {
        let (pipeline, learned) = try Self.trainedModel()
        var trainer = ModelTrainer(
            models: [ServedModel(reference: Self.champion, pipeline: pipeline, model: learned),
                     ServedModel(reference: Self.shadow, pipeline: pipeline, model: learned)],
            publishEvery: 100, restartsOnChampionDrift: "fresh")
        trainer.champion = Self.champion.id
        var role = try TrainerRole(trainer: trainer)
        let topics = LoopTopics()
        func modelEvent(_ event: ModelEvent) throws -> TrainerRole.Input {
            try TrainerRole.decode(topic: topics.models, value: EventDecoding.encode(event), topics: topics)
        }
        var report = DriftReport(
            model: Self.champion, ts: 5, window: .init(fromTs: 1, toTs: 2, examples: 40), metrics: ["errorChange": 0.1],
            detectors: [.init(name: "ADWIN", state: .drift)], features: [])
        report.champion = true
        let promotion = try modelEvent(ModelEvent(kind: .promotion, ts: 4, model: Self.shadow, replaces: Self.champion))
        let rollback = try modelEvent(ModelEvent(kind: .rollback, ts: 6, model: Self.champion, replaces: Self.shadow))
        guard case .champion(let promoted) = promotion else { Issue.record("a promotion names the champion"); return }
        #expect(promoted == Self.shadow)
        guard case .otherModelEvent = try modelEvent(ModelEvent(kind: .version, ts: 4, model: Self.shadow, weights: "AAAA")) else {
            Issue.record("a version changes no champion"); return
        }
        guard case .otherModelEvent = try TrainerRole.decode(topic: topics.models, value: Array("{\"kind\":".utf8), topics: topics) else {
            Issue.record("a malformed model event is left to the registry recorder"); return
        }
        func consumed(_ input: TrainerRole.Input, _ topic: String, _ offset: Int64) -> Consumed<TrainerRole.Input> {
            Consumed(input, topic: topic, partition: 0, offset: offset)
        }
        let time = BatchTime(instant: ContinuousClock.now, wallClock: 9)
        let afterPromotion = role.handle(
            [consumed(promotion, topics.models, 0), consumed(.drift(report), topics.drift, 0)], at: time)
        #expect(afterPromotion.isEmpty, "the new champion keeps its weights")
        #expect(role.trainer.models[1].learner == .logistic(learned) && role.restartsAfterDrift == 0)
        let afterRollback = role.handle(
            [consumed(rollback, topics.models, 1), consumed(.drift(report), topics.drift, 1)], at: time)
        #expect(afterRollback.count == 1 && role.restartsAfterDrift == 1, "a shadow again: restarted")
        #expect(role.trainer.models[1].learner.examplesSeen == 0)
    }

    /// The other order: the promoter promotes the shadow while a drift report about the champion it replaces is on
    /// its way, and the report reaches the trainer first (two topics, no order between them), so the shadow is
    /// restarted. When the promotion arrives the restart is undone: the model as it would be without the restart —
    /// it kept learning beside the restarted one — is published as its next version. Past the window (1,000 examples)
    /// the restart stands.
    @Test func aRestartIsUndoneWhenThePromotionOfTheRestartedModelArrivesSecond() throws {
        let (pipeline, learned) = try Self.trainedModel()
        let models = [ServedModel(reference: Self.champion, pipeline: pipeline, model: learned),
                      ServedModel(reference: Self.shadow, pipeline: pipeline, model: learned)]
        var report = DriftReport(
            model: Self.champion, ts: 5, window: .init(fromTs: 1, toTs: 2, examples: 40), metrics: ["errorChange": 0.1],
            detectors: [.init(name: "ADWIN", state: .drift)], features: [])
        report.champion = true
        let topics = LoopTopics()
        let time = BatchTime(instant: ContinuousClock.now, wallClock: 9)
        func examples(_ count: Int, from first: Int) -> [Consumed<TrainerRole.Input>] {
            (first..<(first + count)).map { index in
                Consumed(.example(LearnableExample(requestId: "r\(index)", features: ["a": .number(Double(index % 7))], label: index % 7 > 3 ? 1 : 0)),
                         topic: topics.examples, partition: 0, offset: Int64(index))
            }
        }
        func run(examplesBetween count: Int) throws -> (role: TrainerRole, publications: [Publication], unrestarted: ModelTrainer) {
            var trainer = ModelTrainer(models: models, publishEvery: 10_000, restartsOnChampionDrift: "fresh")
            trainer.champion = Self.champion.id
            var unrestarted = trainer  // the same examples, no report
            var role = try TrainerRole(trainer: trainer)
            let batch = [Consumed<TrainerRole.Input>(.drift(report), topic: topics.drift, partition: 0, offset: 0)]
                + examples(count, from: 0)
                + [Consumed(.champion(Self.shadow), topic: topics.models, partition: 0, offset: 0)]
            let publications = role.handle(batch, at: time)
            for consumed in examples(count, from: 0) {
                guard case .example(let example) = consumed.input else { continue }
                _ = unrestarted.learn(features: example.features, label: example.label, ts: 9)
            }
            return (role, publications, unrestarted)
        }

        let inWindow = try run(examplesBetween: 300)
        let events = inWindow.publications.compactMap { publication -> ModelEvent? in
            if case .model(let event) = publication { return event } else { return nil }
        }
        #expect(events.map(\.model) == [ModelReference(id: "fresh", version: 3), ModelReference(id: "fresh", version: 4)])
        #expect(events.first?.isRestart == true)
        #expect(events.last?.evidence?["reason"] == .text(ModelTrainer.reinstatedReason))
        #expect(inWindow.role.trainer.models[1].learner == inWindow.unrestarted.models[1].learner, "as if never restarted")
        #expect(inWindow.role.trainer.models[1].pipeline == inWindow.unrestarted.models[1].pipeline)
        #expect(inWindow.role.trainer.champion == "fresh")

        let pastWindow = try run(examplesBetween: ModelTrainer.reinstateWindow + 1)
        #expect(pastWindow.publications.count == 1, "only the restart")
        #expect(pastWindow.role.trainer.models[1].learner.examplesSeen == ModelTrainer.reinstateWindow + 1, "the restart stands")
    }

    @Test func driftReportsAreKeptInTheRegistryOnce() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("drift-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let registry = try ModelRegistry(path: path)
        var report = DriftReport(
            model: Self.champion, ts: 7, window: .init(fromTs: 1, toTs: 2, examples: 1000), metrics: ["accuracy": 0.9],
            detectors: [.init(name: "ADWIN", state: .drift)], features: [])
        report.champion = true
        #expect(try registry.record(report, position: .init(topic: "d", partition: 2, nextOffset: 8)))
        #expect(try !registry.record(report), "a redelivered report is not stored twice")
        #expect(try registry.driftReports() == [report])
        #expect(try registry.positions(topic: "d").map(\.nextOffset) == [8])
    }
}
