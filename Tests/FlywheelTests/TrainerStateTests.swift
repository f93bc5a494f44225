import FeatureValues
import Flywheel
import FlywheelEvents
import Foundation
import ModelRegistry
import OnlineLearning
import Synchronization
import Testing

/// The trainer learns each request once across a crash: its models, the input positions they reflect and the recent
/// request ids are saved in one transaction with each published version, and a restarted trainer skips what that
/// save reflects and every request id learned already. Checked against a trainer that never crashed.
@Suite("Trainer state: each example learned once")
struct TrainerStateTests {
    static func models() throws -> [ServedModel] {
        let champion = try ModelTrainerTests.champion()
        return [ModelTrainer.fineTuned(from: champion, id: "tuned"), try ModelTrainer.fresh(like: champion, id: "fresh")]
    }

    static let time = BatchTime(instant: ContinuousClock.now, wallClock: 1_000)

    /// Examples `range` as consumed from partition `partition` of "examples", starting at `offset`.
    static func batch(_ indices: [Int], partition: Int32 = 0, offset: Int64) -> [Consumed<TrainerRole.Input>] {
        indices.enumerated().map { position, index in
            Consumed(.example(LearnableExample(ModelTrainerTests.example(index))), topic: "examples", partition: partition, offset: offset + Int64(position))
        }
    }

    @Test func aRestartedTrainerLearnsEachExampleOnce() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        // The reference: 0…599 learned once each, in order, without a crash.
        var reference = try TrainerRole(trainer: ModelTrainer(models: try Self.models(), publishEvery: 250))
        _ = reference.handle(Self.batch(Array(0..<600), offset: 0), at: Self.time)

        // The crashed one: 0…299 (a version at 250, so a save), then 300…399 learned but not saved before kill -9.
        var first = try TrainerRole(trainer: ModelTrainer(models: try Self.models(), publishEvery: 250), store: try StateStore(path: path))
        #expect(first.handle(Self.batch(Array(0..<300), offset: 0), at: Self.time).count == 2, "a version of each model")
        #expect(try first.batchDelivered(at: Self.time) == .release, "saved with the version")
        _ = first.handle(Self.batch(Array(300..<400), offset: 300), at: Self.time)
        #expect(try first.batchDelivered(at: Self.time) == .hold, "no version, no save: offsets wait")

        // Restarted from the store: Kafka re-delivers from the committed offset 250 (an older commit) — and the
        // feedback role published requests 100…149 a second time, at offsets 600…649.
        var second = try TrainerRole(trainer: ModelTrainer(models: try Self.models(), publishEvery: 250), store: try StateStore(path: path))
        #expect(second.examplesLearned == 300)
        _ = second.handle(Self.batch(Array(250..<600), offset: 250), at: Self.time)
        _ = second.handle(Self.batch(Array(100..<150), offset: 600), at: Self.time)
        #expect(second.replayedSkipped == 50, "offsets 250…299 are in the saved state")
        #expect(second.duplicatesSkipped == 50, "requests 100…149 were learned already")
        #expect(second.examplesLearned == 600)
        #expect(second.trainer.models.map(\.learner) == reference.trainer.models.map(\.learner),
                "the same weights as a trainer that learned 0…599 once")
        #expect(second.trainer.models.map(\.reference) == reference.trainer.models.map(\.reference))
    }

    /// With `saveEvery`, versions are published more often than the state is saved. A trainer restarted from its last
    /// save numbers its next versions past every version it may have published since (the save's number plus its
    /// gap, `TrainerRole.versionGap`), so no version number names two different models, and it still learns each
    /// example once.
    @Test func aRestartedTrainerNumbersItsVersionsPastWhatItMayHavePublished() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var reference = try TrainerRole(trainer: ModelTrainer(models: try Self.models(), publishEvery: 50))
        _ = reference.handle(Self.batch(Array(0..<450), offset: 0), at: Self.time)
        #expect(TrainerRole.versionGap(saveEvery: 250, publishEvery: 50) == 12)

        func versions(_ publications: [Publication]) -> [String: [Int]] {
            publications.reduce(into: [:]) { numbers, publication in
                if case .model(let event) = publication { numbers[event.model.id, default: []].append(event.model.version) }
            }
        }
        var first = try TrainerRole(
            trainer: ModelTrainer(models: try Self.models(), publishEvery: 50), store: try StateStore(path: path), saveEvery: 250)
        var before = versions(first.handle(Self.batch(Array(0..<100), offset: 0), at: Self.time))
        #expect(try first.batchDelivered(at: Self.time) == .hold, "two versions each, 100 examples: no save yet")
        before.merge(versions(first.handle(Self.batch(Array(100..<300), offset: 100), at: Self.time))) { $0 + $1 }
        #expect(try first.batchDelivered(at: Self.time) == .release, "300 examples since the start: saved")
        // 300…449 learned and published (versions after 350, 400) but not saved before kill -9.
        before.merge(versions(first.handle(Self.batch(Array(300..<450), offset: 300), at: Self.time))) { $0 + $1 }
        #expect(try first.batchDelivered(at: Self.time) == .hold)
        #expect(before["tuned"] == Array(2...10) && before["fresh"] == Array(2...10), "\(before)")

        var second = try TrainerRole(
            trainer: ModelTrainer(models: try Self.models(), publishEvery: 50), store: try StateStore(path: path), saveEvery: 250)
        #expect(second.examplesLearned == 300)
        #expect(second.trainer.models.map(\.reference.version) == [7 + 12, 7 + 12], "the save's version 7 plus the gap")
        let after = versions(second.handle(Self.batch(Array(300..<450), offset: 300), at: Self.time))
        #expect(after["tuned"] == [20, 21, 22] && after["fresh"] == [20, 21, 22], "\(after)")
        #expect(Set(after["tuned"] ?? []).isDisjoint(with: before["tuned"] ?? []), "no version number used twice")
        #expect(second.examplesLearned == 450)
        #expect(second.trainer.models.map(\.learner) == reference.trainer.models.map(\.learner),
                "the same weights as a trainer that learned 0…449 once")
    }

    /// A trainer killed before its first regular save restarts from the starting state it saved when its store was
    /// empty: it learns each example once (its offsets were held, so Kafka delivers them all again) and numbers its
    /// versions past the ones it published — not from the registry's newest version, which had learned them already.
    @Test func aTrainerKilledBeforeItsFirstSaveRestartsFromItsStart() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        func trainer() throws -> ModelTrainer {
            ModelTrainer(models: try Self.models(), publishEvery: 250, publishesYoungModelsSooner: true)
        }
        var reference = try TrainerRole(trainer: try trainer())
        _ = reference.handle(Self.batch(Array(0..<200), offset: 0), at: Self.time)
        var first = try TrainerRole(trainer: try trainer(), store: try StateStore(path: path), saveEvery: 250, now: 5)
        let published = first.handle(Self.batch(Array(0..<200), offset: 0), at: Self.time).compactMap { publication -> Int? in
            guard case .model(let event) = publication else { return nil }
            return event.model.version
        }
        #expect(try first.batchDelivered(at: Self.time) == .hold, "200 examples: no regular save yet")
        #expect(!published.isEmpty)
        var second = try TrainerRole(trainer: try trainer(), store: try StateStore(path: path), saveEvery: 250)
        #expect(second.examplesLearned == 0 && second.positions.isEmpty, "the starting state")
        #expect(second.trainer.models.allSatisfy { $0.reference.version > published.max() ?? 0 }, "numbered past \(published)")
        _ = second.handle(Self.batch(Array(0..<200), offset: 0), at: Self.time)
        #expect(second.trainer.models.map(\.learner) == reference.trainer.models.map(\.learner), "each example learned once")
    }

    /// A trainer whose young models publish sooner counts its budget — the gap a restart skips — at their fastest
    /// pace (every 10 examples), so a fresh model's early versions stay within it and a restart still numbers past
    /// them.
    @Test func youngModelsAreBudgetedAtTheirFastestPace() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        func role() throws -> TrainerRole {
            try TrainerRole(
                trainer: ModelTrainer(models: try Self.models(), publishEvery: 250, publishesYoungModelsSooner: true),
                store: try StateStore(path: path), saveEvery: 250)
        }
        var first = try role()
        #expect(first.trainer.publishBudget == TrainerRole.versionGap(saveEvery: 250, publishEvery: 10))
        _ = first.handle(Self.batch(Array(0..<250), offset: 0), at: Self.time)
        #expect(try first.batchDelivered(at: Self.time) == .release, "saved at 250")
        let unsaved = first.handle(Self.batch(Array(250..<500), offset: 250), at: Self.time)
        let fresh = unsaved.compactMap { publication -> Int? in
            guard case .model(let event) = publication, event.model.id == "fresh" else { return nil }
            return event.model.version
        }
        #expect(fresh.count > 4, "the fresh model (250…500 learned) publishes more often than every 250: \(fresh)")
        let second = try role()
        let next = try #require(second.trainer.models.first { $0.reference.id == "fresh" }?.reference.version)
        #expect(next > (fresh.max() ?? 0), "the restart numbers past \(fresh)")
    }

    /// Between two saves a model publishes at most its budget (the gap a restart skips); past it, it keeps learning
    /// and publishes right after the next save.
    @Test func aModelPublishesAtMostItsBudgetBetweenSaves() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var role = try TrainerRole(
            trainer: ModelTrainer(models: try Self.models(), publishEvery: 50), store: try StateStore(path: path), saveEvery: 250)
        let burst = role.handle(Self.batch(Array(0..<1_000), offset: 0), at: Self.time)
        #expect(burst.count == 2 * 12, "12 versions of each model in a batch of 1,000 (20 were due)")
        #expect(try role.batchDelivered(at: Self.time) == .release)
        let next = role.handle(Self.batch([1_000], offset: 1_000), at: Self.time)
        #expect(next.count == 2, "each model publishes its overdue version after the save")
    }

    @Test func aStateFromAnotherClusterStopsStartUp() async throws {
        let (broker, base) = try LoopHarness.cluster()
        var settings = base
        settings.roles = [.trainer]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        settings.trainerStatePath = path
        // A state that learned offsets 0…299 of partition 0 of this cluster's examples topic — which is empty.
        let initial = try InitialModels.make(schema: LoopHarness.seaSchema)
        var role = try TrainerRole(
            trainer: ModelTrainer(models: [initial.champion] + initial.shadows, publishEvery: 250), store: try StateStore(path: path))
        _ = role.handle((0..<300).map { index in
            Consumed(.example(LearnableExample(
                requestId: "r\(index)", features: ["x0": .number(1), "x1": .number(2), "x2": .number(3)], label: 1)),
                topic: settings.topics.examples, partition: 0, offset: Int64(index))
        }, at: Self.time)
        #expect(try role.batchDelivered(at: Self.time) == .release, "saved with the versions")
        await #expect {
            _ = try await FlywheelLoop(settings: settings, initial: initial, logger: LoopHarness.logger)
        } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("[0] was learned up to offset 300")
        }
        _ = broker
    }

    @Test func recentRequestsForgetTheOldestAndRestoreFromTheirSave() {
        var recent = RecentRequests(capacity: 3)
        var inserted: [Bool] = []
        for id in ["a", "b", "c", "d", "d"] { inserted.append(recent.insert(id)) }
        #expect(inserted == [true, true, true, true, false])
        #expect(!recent.contains("a") && recent.contains("b"))
        #expect(recent.count == 3 && recent.oldestSequence == 1)
        let restored = RecentRequests(capacity: 3, restoring: recent.unsaved)
        #expect(!restored.contains("a") && restored.contains("b") && restored.contains("d"))
        #expect(RecentRequests.fingerprint("a") == -5_808_556_873_153_909_620, "FNV-1a 64 of \"a\" (0xaf63dc4c8601ec8c)")
        // What a save writes: only what was added since the last one, never more than is kept.
        var ring = RecentRequests(capacity: 3)
        for id in ["a", "b"] { _ = ring.insert(id) }
        ring.markSaved()
        for id in ["c", "d", "e", "f", "g"] { _ = ring.insert(id) }
        #expect(ring.unsaved.map(\.sequence) == [4, 5, 6] && ring.oldestSequence == 4)
        ring.markSaved()
        _ = ring.insert("h")
        #expect(ring.unsaved.map(\.sequence) == [7] && ring.unsaved.first?.id == RecentRequests.fingerprint("h"))
        #expect(ring.contains("f") && !ring.contains("e") && ring.count == 3)
    }
}

/// One trainer at a time: a second `TrainerLock` on the same file waits until the first is released.
@Suite("Trainer lock: a second trainer stands by")
struct TrainerLockTests {
    @Test func aSecondTrainerWaitsUntilTheFirstEnds() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-\(UUID().uuidString).lock").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var first: TrainerLock? = try await TrainerLock(path: path, logger: LoopHarness.logger)
        let taken = Mutex(false)
        let second = Task {
            let lock = try await TrainerLock(path: path, poll: .milliseconds(20), logger: LoopHarness.logger)
            taken.withLock { $0 = true }
            return lock
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(!taken.withLock { $0 }, "the second trainer stands by while the first holds the lock")
        #expect(first?.path == path)
        first = nil  // the first trainer ends
        let lock = try await second.value
        #expect(taken.withLock { $0 } && lock.path == path, "and takes over once it has ended")
    }
}
