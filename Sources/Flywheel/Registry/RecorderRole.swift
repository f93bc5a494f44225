import FlywheelEvents
import ModelRegistry

// MARK: - RecorderRole

/// The registry recorder's core: writes every event of the models topic into the SQLite ``ModelRegistry/ModelRegistry``
/// — versions with their weights, promotions and rollbacks into the audit log with who decided, the champion alias —
/// and every drift report of the drift topic into the drift history, each with the topic position it came from in the
/// same transaction. Redelivered events change nothing, so the registry reflects each event exactly once. It
/// publishes nothing; an event that decodes but is not whole is refused at decoding (dead-lettered).
public struct RecorderRole: StreamRole {
    /// The registry written to.
    public let registry: ModelRegistry
    /// Model events recorded so far (redeliveries included).
    public private(set) var eventsRecorded = 0
    /// Drift reports recorded so far (redeliveries included).
    public private(set) var reportsRecorded = 0

    /// Records into `registry`.
    public init(registry: ModelRegistry) { self.registry = registry }

    /// What the recorder reads.
    public enum Input: Sendable {
        /// A model version, promotion or rollback.
        case model(ModelEvent)
        /// A drift report.
        case drift(DriftReport)
    }

    /// A drift report from the drift topic, a whole model event from any other.
    /// - Throws: ``FlywheelEvents/EventDecodingError`` also for a model event with a
    ///   ``FlywheelEvents/ModelEvent/problem`` (a version without weights, a decision without the champion it replaces).
    public static func decode(topic: String, value: [UInt8], topics: LoopTopics) throws(EventDecodingError) -> Input {
        topic == topics.drift
            ? .drift(try EventDecoding.decode(DriftReport.self, from: value))
            : .model(try EventDecoding.decode(ModelEvent.self, from: value))  // refuses a ModelEvent with a problem
    }

    /// Records each event with its position; consecutive versions in one transaction (each other record in its own,
    /// in order).
    /// - Throws: ``ModelRegistry/RegistryError`` when the file cannot be written (the service stops rather than skip).
    public mutating func handle(
        _ batch: [Consumed<Input>], at time: BatchTime<ContinuousClock.Instant>
    ) throws(RegistryError) -> [Publication] {
        var versions: [(event: ModelEvent, position: TopicPosition?)] = []
        for consumed in batch {
            let position = TopicPosition(
                topic: consumed.topic, partition: consumed.partition, nextOffset: consumed.offset + 1)
            if case .model(let event) = consumed.input, event.kind == .version {
                versions.append((event, position))
                eventsRecorded += 1
                continue
            }
            try registry.record(versionEvents: versions)
            versions = []
            switch consumed.input {
            case .drift(let report):
                let isNew = try registry.record(report, position: position)
                reportsRecorded += 1
                if isNew, let suspect = report[.labelsSuspect] {
                    // The label guard changed its mind: the audit log says so, with who and the evidence.
                    let champion = VersionID(id: report.model.id, version: report.model.version)
                    try registry.record(Decision(
                        kind: suspect > 0 ? .labelsSuspect : .labelsTrusted, ts: report.ts, actor: report.decidedBy ?? "label guard",
                        model: champion, replaces: champion, evidence: ModelRegistry.sortedJSON(report.metrics)))
                }
            case .model(let event):
                try registry.record(event, actor: event.actor, position: position)
                eventsRecorded += 1
            }
        }
        try registry.record(versionEvents: versions)
        return []
    }
}
