import FlywheelEvents
import Foundation
import ModelRegistry
import OnlineLearning

// MARK: - TrainerRole

/// The trainer role's core: every joined example trains every model (``ModelTrainer``), and new versions are
/// published on the models topic; a drift report that shows the champion getting worse restarts the shadow named for
/// it, published at once.
///
/// Each request id is learned once: an example published twice (the feedback role may join a request again after a
/// restart) is skipped while its id is among the last ``RecentRequests/capacity`` learned. With a
/// ``ModelRegistry/StateStore``, the models, the input positions they reflect and those ids are saved in one
/// transaction — at start when the store holds nothing yet, every `saveEvery` examples (or, without it, with every
/// batch that published a version), after a shadow's restart and when the role stops — and the consumer's offsets are
/// held until then: a restarted trainer
/// starts from the saved models and skips every record the save already reflects, so after `kill -9` no example is
/// learned twice and none is lost. Versions published after the last save are not reproduced by the restart (it
/// learns those examples again, perhaps in another order across partitions), so it numbers its next versions past
/// all of them: a model publishes at most ``versionGap(saveEvery:publishEvery:)`` versions between saves, and the
/// restarted one starts that many numbers on.
public struct TrainerRole: StreamRole {
    /// The models and their training.
    public private(set) var trainer: ModelTrainer
    /// Joined examples learned so far (across restarts, with a state store).
    public private(set) var examplesLearned = 0
    /// Model versions published so far (restarts included).
    public private(set) var versionsPublished = 0
    /// Shadows restarted after drift alarms on the champion.
    public private(set) var restartsAfterDrift = 0

    /// Examples learned and versions published so far, read often from outside the role (``StreamRole/progress``).
    public var progress: (examplesLearned: Int, versionsPublished: Int) { (examplesLearned, versionsPublished) }
    /// Examples not learned because their request id was learned already.
    public private(set) var duplicatesSkipped = 0
    /// Records read again after a restart that the saved state already reflects, skipped.
    public private(set) var replayedSkipped = 0
    private var recent: RecentRequests
    private var applied: [InputPartition: Int64] = [:]
    private let store: StateStore?
    private var unsaved = false
    /// Examples between saves (nil: a save with every batch that published a version).
    private let saveEvery: Int?
    /// Examples learned since the last save.
    private var learnedSinceSave = 0
    /// Whether a shadow restarted after a drift alarm since the last save (saved with the batch).
    private var restartedSinceSave = false

    /// The name the state is saved under in the store.
    static var snapshotName: String { "trainer" }

    /// Trains with `trainer`; with a `store` it starts from the state saved there instead (models whose saved
    /// weights do not load for their schema start as given).
    /// - Parameters:
    ///   - recentCapacity: how many recent request ids are kept to skip duplicates.
    ///   - saveEvery: with a store, how many examples between saves of the state (nil: a save with every batch that
    ///     published a version). Versions are then published more often than the state is saved: each model may
    ///     publish at most ``versionGap(saveEvery:publishEvery:)`` versions between saves, and a restarted trainer
    ///     numbers its next versions past them, so a version number never names two different models.
    ///   - now: the wall clock at start (seconds since 1970), stamped on the save of the starting state when the
    ///     store holds none yet.
    /// - Throws: ``ModelRegistry/RegistryError`` when the store cannot be read or written.
    public init(
        trainer: ModelTrainer, store: StateStore? = nil, recentCapacity: Int = LoopDefaults.recentRequests, saveEvery: Int? = nil,
        now: Double = 0
    ) throws(RegistryError) {
        precondition(saveEvery.map { $0 > 0 } ?? true, "saveEvery must be positive")
        var trainer = trainer
        self.saveEvery = store == nil ? nil : saveEvery
        if let every = self.saveEvery { trainer.publishBudget = Self.versionGap(saveEvery: every, publishEvery: trainer.shortestInterval) }
        self.trainer = trainer
        self.store = store
        recent = RecentRequests(capacity: recentCapacity)
        guard let store else { return }
        guard let data = try store.load(Self.snapshotName),
            let saved = try? JSONDecoder().decode(TrainerSnapshot.self, from: data)
        else {
            // Nothing saved yet: save the starting state before anything is learned or published, so a crash before
            // the first regular save restarts from it — learning every example once (the consumer's offsets were
            // held) and numbering its versions past the ones it published.
            try save(ts: now)
            return
        }
        let models = trainer.models.map { model in
            guard let stored = saved.models.first(where: { $0.reference.id == model.reference.id }),
                let bytes = Data(base64Encoded: stored.weights),
                let (pipeline, learner) = try? ModelBlob.decodeLearner(Array(bytes), expectedSchema: model.pipeline.schema)
            else { return model }
            return ServedModel(reference: stored.reference, pipeline: pipeline, learner: learner)
        }
        self.trainer.restore(models)
        // Versions numbered up to the save's plus its gap may be on the models topic already (published after the
        // save, before the crash): the next ones are numbered past them.
        self.trainer.skipVersions(saved.versionGap ?? 0)
        examplesLearned = saved.examplesLearned
        versionsPublished = saved.versionsPublished
        restartsAfterDrift = saved.restartsAfterDrift
        duplicatesSkipped = saved.duplicatesSkipped
        savedVersions = saved.versionsPublished
        for position in saved.positions {
            applied[InputPartition(topic: position.topic, partition: position.partition)] = position.offset
        }
        recent = RecentRequests(capacity: recentCapacity, restoring: try store.recentIDs(Self.snapshotName))
    }

    /// The next record of each input partition the trainer's state reflects (restored from its store, then as it
    /// learns).
    public var positions: [InputPosition] {
        applied.map { InputPosition(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value) }
            .sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }

    /// What the trainer reads: joined examples, drift reports, and the champion changes on the models topic.
    public enum Input: Sendable {
        /// A joined example to learn (its learnable part: the models' answers are not decoded).
        case example(LearnableExample)
        /// A drift report that may call for a restart.
        case drift(DriftReport)
        /// A promotion or rollback: the model that is champion from now on.
        case champion(ModelReference)
        /// Any other model event (versions, retirements): nothing to do.
        case otherModelEvent
    }

    /// A drift report from the drift topic, a champion change (or nothing) from the models topic, a joined example
    /// from any other.
    public static func decode(topic: String, value: [UInt8], topics: LoopTopics) throws(EventDecodingError) -> Input {
        if topic == topics.drift { return .drift(try EventDecoding.decode(DriftReport.self, from: value)) }
        if topic == topics.models { return championChange(value) }
        return .example(try EventDecoding.decodeLearnable(from: value))
    }

    /// The champion a promotion or rollback names, or `.otherModelEvent` (also for an event that does not decode:
    /// the registry recorder dead-letters those, once).
    static func championChange(_ value: [UInt8]) -> Input {
        guard let event = ModelEvent.decodeUnlessPlainVersion(value), event.kind == .promotion || event.kind == .rollback
        else { return .otherModelEvent }
        return .champion(event.model)
    }

    /// Learns each example and acts on each report, in order; skips what the saved state already reflects and
    /// request ids already learned.
    public mutating func handle(
        _ batch: [Consumed<Input>], at time: BatchTime<ContinuousClock.Instant>
    ) -> [Publication] {
        var publications: [Publication] = []
        for consumed in batch {
            let key = InputPartition(topic: consumed.topic, partition: consumed.partition)
            if let next = applied[key], consumed.offset < next {
                replayedSkipped += 1
                continue
            }
            applied[key] = consumed.offset + 1
            unsaved = true
            switch consumed.input {
            case .champion(let model):
                if let event = trainer.championChanged(to: model.id, ts: time.wallClock) {
                    publications.append(.model(event))
                    restartedSinceSave = true  // a restart undone: saved with the batch, as a restart is
                }
            case .otherModelEvent:
                break
            case .drift(let report):
                if let event = trainer.handle(report, ts: time.wallClock) {
                    publications.append(.model(event))
                    restartsAfterDrift += 1
                    restartedSinceSave = true
                }
            case .example(let example):
                guard recent.insert(example.requestId) else {
                    duplicatesSkipped += 1
                    continue
                }
                examplesLearned += 1
                learnedSinceSave += 1
                publications += trainer.learn(features: example.features, label: example.label, ts: time.wallClock)
                    .map(Publication.model)
            }
        }
        versionsPublished += publications.count
        return publications
    }

    /// With a store: saves the state when this batch published a version (so what the models topic shows and what a
    /// restart resumes from agree) — or, with `saveEvery`, every that many examples, after a shadow's restart, and
    /// when a model has used its version budget — and holds the offsets until a save.
    public mutating func batchDelivered(at time: BatchTime<ContinuousClock.Instant>) throws -> OffsetRelease {
        guard store != nil else { return .release }
        let due: Bool
        if let saveEvery {
            due = learnedSinceSave >= saveEvery || restartedSinceSave
                || trainer.publishedSinceSave.contains { $0 >= (trainer.publishBudget ?? .max) }
        } else {
            due = versionsPublished > savedVersions
        }
        guard unsaved, due else { return unsaved ? .hold : .release }
        try save(ts: time.wallClock)
        return .release
    }

    /// The versions a model may publish between two saves: twice the saves' share of the publish cadence, and two
    /// more (a batch may run past `saveEvery`; a restart publishes too).
    public static func versionGap(saveEvery: Int, publishEvery: Int) -> Int {
        2 * ((saveEvery + publishEvery - 1) / publishEvery) + 2
    }

    /// Saves the state.
    public mutating func stopping(at time: BatchTime<ContinuousClock.Instant>) throws {
        if unsaved { try save(ts: time.wallClock) }
    }

    private var savedVersions = 0

    private mutating func save(ts: Double) throws(RegistryError) {
        guard let store else { return }
        let data = TrainerSnapshot.json(
            models: trainer.models.map { ($0.reference, ModelBlob.encode(pipeline: $0.pipeline, learner: $0.learner)) },
            positions: positions,
            examplesLearned: examplesLearned, versionsPublished: versionsPublished,
            restartsAfterDrift: restartsAfterDrift, duplicatesSkipped: duplicatesSkipped,
            versionGap: trainer.publishBudget)
        try store.save(
            Self.snapshotName, data: data, ts: ts,
            recentAdded: recent.unsaved, recentKeptFrom: recent.oldestSequence)
        recent.markSaved()
        unsaved = false
        savedVersions = versionsPublished
        learnedSinceSave = 0
        restartedSinceSave = false
        trainer.stateSaved()
    }
}

// MARK: - TrainerSnapshot

/// What the trainer keeps in its state store: every model's weights, the next record of each input partition, and
/// its counters (the recent request ids are stored beside it, in the same transaction).
struct TrainerSnapshot: Codable, Sendable {
    struct Model: Codable, Sendable {
        var reference: ModelReference
        var weights: String
    }

    var models: [Model]
    var positions: [InputPosition]
    var examplesLearned: Int
    var versionsPublished: Int
    var restartsAfterDrift: Int
    var duplicatesSkipped: Int
    /// How many versions of each model may have been published after this save (its publish budget); nil when every
    /// version was saved with the state (no `saveEvery`).
    var versionGap: Int?

    /// The JSON the `Codable` conformance reads, written byte by byte: each model's blob goes straight into base64
    /// inside the output, where Foundation's `JSONEncoder` scanned every character of every base64 string for
    /// escapes on every save (6% of the trainer process on agrawal in `perf`, whose perceptrons save ~210 KB each).
    static func json(
        models: [(reference: ModelReference, blob: [UInt8])], positions: [InputPosition], examplesLearned: Int,
        versionsPublished: Int, restartsAfterDrift: Int, duplicatesSkipped: Int, versionGap: Int?
    ) -> Data {
        var writer = JSONByteWriter(capacity: 256 + models.reduce(0) { $0 + $1.blob.count / 3 * 4 + 80 })
        writer.raw(#"{"models":["#)
        for (index, model) in models.enumerated() {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.raw(#"{"reference":{"id":"#)
            writer.string(model.reference.id)
            writer.raw(#","version":"#)
            writer.integer(Int64(model.reference.version))
            writer.raw(#"},"weights":"#)
            writer.base64(model.blob)
            writer.byte(UInt8(ascii: "}"))
        }
        writer.raw(#"],"positions":["#)
        for (index, position) in positions.enumerated() {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.raw(#"{"topic":"#)
            writer.string(position.topic)
            writer.raw(#","partition":"#)
            writer.integer(Int64(position.partition))
            writer.raw(#","offset":"#)
            writer.integer(position.offset)
            writer.byte(UInt8(ascii: "}"))
        }
        writer.raw(#"],"examplesLearned":"#)
        writer.integer(Int64(examplesLearned))
        writer.raw(#","versionsPublished":"#)
        writer.integer(Int64(versionsPublished))
        writer.raw(#","restartsAfterDrift":"#)
        writer.integer(Int64(restartsAfterDrift))
        writer.raw(#","duplicatesSkipped":"#)
        writer.integer(Int64(duplicatesSkipped))
        if let versionGap {
            writer.raw(#","versionGap":"#)
            writer.integer(Int64(versionGap))
        }
        writer.byte(UInt8(ascii: "}"))
        return Data(writer.bytes)
    }
}
