import Flywheel
import FlywheelEvents
import Foundation
import ModelRegistry

// MARK: - Readiness

/// Whether a `serve` process is ready for traffic: every role it runs has input partitions assigned, and an
/// inference role's models have caught up with the models topic (it serves only then). A replica left without
/// partitions (more replicas than partitions) reports not ready, which is what a load balancer should hear.
public struct Readiness: Codable, Sendable, Hashable {
    /// Whether everything below holds.
    public var ready: Bool
    /// What each role reports, by role name.
    public var roles: [String: String]
    /// What is not ready yet, as sentences.
    public var waitingFor: [String]

    /// The readiness of `loop` now.
    public init(_ loop: FlywheelLoop) {
        var roles: [String: String] = [:]
        var waiting: [String] = []
        func check(_ role: String, partitions: Int, extra: String? = nil) {
            if partitions == 0 { waiting.append("\(role): no input partitions assigned yet") }
            if let extra { waiting.append("\(role): \(extra)") }
            roles[role] = partitions > 0 && extra == nil ? "ready (\(partitions) partitions)" : "not ready"
        }
        if let engine = loop.engine {
            let caughtUp = loop.modelUpdates?.isCaughtUp ?? true
            check("inference", partitions: engine.assignedPartitions, extra: caughtUp ? nil : "models not caught up with the models topic")
        }
        if let joiner = loop.joiner { check("feedback", partitions: joiner.assignedPartitions) }
        if let trainer = loop.trainer { check("trainer", partitions: trainer.assignedPartitions) }
        if let promoter = loop.promoter { check("promoter", partitions: promoter.assignedPartitions) }
        self.roles = roles
        waitingFor = waiting
        ready = waiting.isEmpty
    }
}

// MARK: - ModelSummary

/// One model as `GET /models` shows it: what this process knows of it from the roles it runs.
public struct ModelSummary: Codable, Sendable, Hashable {
    /// The model id.
    public var id: String
    /// Its newest version this process knows (served, scored, or stored).
    public var version: Int
    /// Whether it is the champion.
    public var champion: Bool
    /// Its windowed metric (`accuracy` or `mae`) over the recent joined examples, from the feedback role.
    public var metric: String?
    /// The metric over the recent window.
    public var recent: Double?
    /// The metric over every joined example.
    public var overall: Double?
    /// Joined examples it was scored on.
    public var examples: Int?
    /// Versions the registry stores (trainer role).
    public var storedVersions: Int?

    /// A model at `version`; the metrics unknown.
    public init(id: String, version: Int, champion: Bool) {
        self.id = id
        self.version = version
        self.champion = champion
    }

    /// Every model `loop` knows, champion first, then by id.
    public static func all(_ loop: FlywheelLoop) -> [ModelSummary] {
        var models: [String: ModelSummary] = [:]
        let registryChampion = try? loop.registry?.champion()
        if let set = loop.liveModels?.snapshot {
            for model in [set.champion] + set.shadows {
                models[model.reference.id] = ModelSummary(
                    id: model.reference.id, version: model.reference.version,
                    champion: model.reference.id == set.champion.reference.id)
            }
        }
        if let trainer = loop.trainer {
            for model in trainer.models where models[model.reference.id].map({ $0.version < model.reference.version }) ?? true {
                let champion = models[model.reference.id]?.champion ?? (registryChampion?.id == model.reference.id)
                models[model.reference.id] = ModelSummary(id: model.reference.id, version: model.reference.version, champion: champion)
            }
            for id in models.keys { models[id]?.storedVersions = (try? loop.registry?.versionList(of: id).count) ?? nil }
        }
        if let joiner = loop.joiner {
            let board = joiner.scoreboard
            for (id, entry) in board.entries {
                var summary = models[id] ?? ModelSummary(
                    id: id, version: entry.latest.version, champion: board.served.latest.id == id)
                summary.metric = entry.isClassifier ? DriftMetric.accuracy.rawValue : DriftMetric.mae.rawValue
                summary.recent = entry.isClassifier ? entry.recent.value : entry.recentAbsoluteError.value
                summary.overall = entry.isClassifier ? entry.overall.accuracy : entry.regression.meanAbsoluteError
                summary.examples = entry.isClassifier ? entry.overall.count : entry.regression.count
                models[id] = summary
            }
        }
        return models.values.sorted { ($0.champion ? 0 : 1, $0.id) < ($1.champion ? 0 : 1, $1.id) }
    }
}

// MARK: - AuditRecord

/// One audit-log entry as `GET /decisions` shows it.
public struct AuditRecord: Codable, Sendable, Hashable {
    /// Its place in the log, from 1.
    public var sequence: Int
    /// promotion, rollback, retirement, freeze or unfreeze.
    public var kind: String
    /// When, in seconds since 1970.
    public var ts: Double
    /// Who: the promoter or `operator:<name>`.
    public var actor: String
    /// The champion after it (the retired challenger for a retirement; the champion then for a freeze).
    public var model: ModelReference
    /// The champion it replaced (the champion it lost to, for a retirement).
    public var replaces: ModelReference
    /// The evidence as recorded.
    public var evidence: [String: EvidenceValue]

    /// The record of `entry`.
    public init(_ entry: AuditEntry) {
        sequence = entry.sequence
        kind = entry.kind.rawValue
        ts = entry.ts
        actor = entry.actor
        model = ModelReference(id: entry.model.id, version: entry.model.version)
        replaces = ModelReference(id: entry.replaces.id, version: entry.replaces.version)
        evidence = (try? JSONDecoder().decode([String: EvidenceValue].self, from: Data(entry.evidence.utf8))) ?? [:]
    }
}
