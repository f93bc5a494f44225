import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import ModelRegistry
import OnlineLearning
import Testing

/// The label guard in the loop: SEA with every label of 5,000 requests flipped mid-stream (a labelling pipeline gone
/// wrong). The feedback role must stop passing their joined examples on within a few dozen labels — so the trainer
/// and the promoter pause — keep them on the dead-letter topic with the reason, log the pause and the resumption in
/// the registry's audit log, and pass examples on again once the labels are right.
@Suite("Label guard in the loop")
struct LabelGuardLoopTests {
    @Test func flippedLabelsPauseTrainingAndTheLoopResumesAfter() async throws {
        let flipped = Self.spoiled
        let (broker, settings, loop, stream) = try await Self.run(spoiling: { 1 - $0 })
        defer { try? FileManager.default.removeItem(atPath: settings.registryPath) }
        let joiner = try #require(loop.joiner), trainer = try #require(loop.trainer), promoter = try #require(loop.promoter)

        // Paused within 50 flipped labels; at the end of the stretch the labels of four partitions interleave, right
        // ones among the last flipped ones, and the guard may trust and suspect again a few times before it settles
        // (seen: 1–6 times in the last ~200): it holds back all but ~100 of the 5,000.
        let heldBack = joiner.labelsHeldBack
        #expect(heldBack >= flipped.count - 150 && heldBack <= flipped.count + 50, "held back \(heldBack)")
        #expect(joiner.labelsSuspect == false, "trusting again at the end")
        #expect(trainer.learning.examplesLearned == stream.count - heldBack, "everything else learned once")
        // No decision rests on the flipped stretch: the promoter saw at most the few before the pause.
        let decidedAt = promoter.decisions.map { LoopEndToEndTests.index($0.requestId) }
        #expect(!decidedAt.contains { (flipped.lowerBound + 50..<flipped.upperBound).contains($0) }, "decided at \(decidedAt)")

        // The audit log: one pause and one resumption, by the guard, with the evidence.
        let registry = try ModelRegistry(path: settings.registryPath)
        let guardEntries = try registry.auditLog().filter { $0.kind == .labelsSuspect || $0.kind == .labelsTrusted }
        // One pause and one resumption, plus the flicker at the end of the stretch (seen: up to 7 pairs in CI).
        #expect(guardEntries.count >= 2 && guardEntries.count <= 40 && guardEntries.count % 2 == 0, "\(guardEntries.map(\.kind))")
        #expect(guardEntries.indices.allSatisfy { guardEntries[$0].kind == ($0 % 2 == 0 ? .labelsSuspect : .labelsTrusted) })
        #expect(guardEntries.allSatisfy { $0.actor == "label guard" && $0.evidence.contains("labelGuardEvidence") })
        #expect(try registry.driftReports().filter { $0[.labelsSuspect] != nil }.count == guardEntries.count, "on the drift topic too")

        // The held-back examples are on the dead-letter topic, whole, with the reason.
        let letters = try await Self.heldBack(settings, count: heldBack)
        let held = letters.count
        let heldFlipped = letters.filter { flipped.contains(LoopEndToEndTests.index($0.example.requestId)) }.count
        #expect(held == heldBack && heldFlipped >= heldBack - 100, "\(held) held on the dead-letter topic, \(heldFlipped) of them flipped")
        _ = broker
    }

    /// Labels stuck on class 0 for 5,000 requests of SEA (where class 0 is about a third of the labels): their joined
    /// examples are held back, the pauses logged, and examples pass again once the labels are mixed. Both rules act
    /// here: the models' confident class-1 answers are contradicted first (seen: the CUSUM after ~50 labels), and when
    /// the labels agree with their confident class-0 answers for a while the guard trusts them — until the class-mix
    /// rule, whose window is by then all class 0, pauses again naming the class.
    @Test func labelsStuckOnOneClassPauseTraining() async throws {
        let stuck = Self.spoiled
        let (broker, settings, loop, stream) = try await Self.run(spoiling: { _ in 0 })
        defer { try? FileManager.default.removeItem(atPath: settings.registryPath) }
        let joiner = try #require(loop.joiner), trainer = try #require(loop.trainer)
        let heldBack = joiner.labelsHeldBack
        #expect(heldBack >= stuck.count - 400 && heldBack <= stuck.count + 150, "held back \(heldBack)")
        #expect(joiner.labelsSuspect == false, "trusting again at the end")
        #expect(trainer.learning.examplesLearned == stream.count - heldBack, "everything else learned once")

        let registry = try ModelRegistry(path: settings.registryPath)
        let guardEntries = try registry.auditLog().filter { $0.kind == .labelsSuspect || $0.kind == .labelsTrusted }
        #expect(guardEntries.count >= 2 && guardEntries.count <= 8, "\(guardEntries.map(\.kind))")
        #expect(guardEntries.indices.allSatisfy { guardEntries[$0].kind == ($0 % 2 == 0 ? .labelsSuspect : .labelsTrusted) })
        #expect(guardEntries.contains { $0.evidence.contains("\"labelsStuckOnClass\":0") }, "\(guardEntries.map(\.evidence))")
        print("labels stuck on class 0 in the loop: \(heldBack) of \(stuck.count) held back; audit log \(guardEntries.map(\.kind.rawValue))")
        let letters = try await Self.heldBack(settings, count: heldBack)
        #expect(letters.count == heldBack)
        #expect(letters.contains { $0.reason.contains("labels name class 0") }, "\(letters.first?.reason ?? "")")
        #expect(letters.filter { stuck.contains(LoopEndToEndTests.index($0.example.requestId)) }.count >= heldBack - 150)
        _ = broker
    }

    /// With the guard turned off (`LoopSettings.labelGuard` nil: `serve --label-guard disabled`, `labelGuard.mode`)
    /// the same flipped labels are all learned: nothing is held back, no pause is logged.
    @Test func withTheGuardOffFlippedLabelsAreLearned() async throws {
        let (broker, settings, loop, stream) = try await Self.run(spoiling: { 1 - $0 }, guarding: nil)
        defer { try? FileManager.default.removeItem(atPath: settings.registryPath) }
        let joiner = try #require(loop.joiner), trainer = try #require(loop.trainer)
        #expect(joiner.labelsHeldBack == 0 && joiner.labelsSuspect == nil)
        #expect(trainer.learning.examplesLearned == stream.count, "every label learned, the flipped ones too")
        let registry = try ModelRegistry(path: settings.registryPath)
        #expect(try registry.auditLog().allSatisfy { $0.kind != .labelsSuspect && $0.kind != .labelsTrusted })
        _ = broker
    }

    /// The requests whose labels the tests spoil.
    static let spoiled = 8_000..<13_000

    /// The loop with the default models on SEA's first 20,000 requests, the labels of ``spoiled`` rewritten by
    /// `spoil` (the label guard as `guardSettings` has it), replayed with labels 500 requests late; checks that serving went on for every request. The caller
    /// removes the registry and keeps the broker until it is done.
    static func run(
        spoiling spoil: (Double) -> Double, guarding guardSettings: LabelGuard.Configuration? = LabelGuard.Configuration()
    ) async throws -> (broker: EmbeddedBroker, settings: LoopSettings, loop: FlywheelLoop, stream: [PrequentialEvaluation.Example]) {
        var (broker, settings) = try LoopHarness.cluster()
        settings.labelGuard = guardSettings
        var stream = Array(LoopHarness.sea[0..<20_000])
        for index in spoiled { stream[index].target = spoil(stream[index].target) }
        let loop = try await FlywheelLoop(
            settings: settings, initial: try InitialModels.make(schema: LoopHarness.seaSchema), logger: LoopHarness.logger)
        let tally = try await LoopHarness.replay(stream, into: loop, settings: settings, name: "sea", labelDelay: 500)
        #expect(tally.distinct == stream.count, "serving went on")
        return (broker, settings, loop, stream)
    }

    /// The joined examples the label guard put on the dead-letter topic (reading until `count` or 30 s).
    static func heldBack(_ settings: LoopSettings, count: Int) async throws -> [(reason: String, example: JoinedExample)] {
        let reader = try KafkaConsumer(
            configuration: .init(client: settings.client, groupID: "\(settings.groupPrefix)-dead"), logger: LoopHarness.logger)
        try await reader.assign((0..<4).map {
            KafkaTopicPartitionOffset(topic: settings.topics.deadLetter, partition: $0, offset: KafkaTopicPartitionOffset.beginning)
        })
        var letters: [(reason: String, example: JoinedExample)] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await reader.run() }
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            for await batch in reader.messages {
                for message in batch {
                    let letter = try JSONDecoder().decode(DeadLetterEvent.self, from: Data(message.value))
                    guard letter.reason.hasPrefix("label guard") else { continue }
                    letters.append((letter.reason, try EventDecoding.decode(JoinedExample.self, from: [UInt8](Data(base64Encoded: letter.value)!))))
                }
                if letters.count >= count || ContinuousClock.now > deadline { break }
            }
            group.cancelAll()
        }
        return letters
    }
}
