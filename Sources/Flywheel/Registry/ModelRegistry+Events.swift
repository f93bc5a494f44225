import FlywheelEvents
import Foundation
import ModelRegistry

// MARK: - ModelRegistry + Events

/// The registry in the events' terms: a ``FlywheelEvents/ModelEvent`` or ``FlywheelEvents/DriftReport`` becomes the
/// plain record the registry stores, and stored records come back as events' types. The registry itself knows
/// nothing of the events.
extension ModelRegistry {
    /// Records one model event: a version (with its weights), or a promotion or rollback (the audit log, and the
    /// `champion` alias moves to the winner), with the models-topic position it came from, in one transaction.
    /// - Returns: whether the event was new (false for a redelivered one).
    /// - Throws: ``ModelRegistry/RegistryError`` naming the event's ``FlywheelEvents/ModelEvent/problem`` when it is
    ///   not whole (nothing is written), or when the file cannot be written.
    @discardableResult
    public func record(_ event: ModelEvent, actor: String, position: TopicPosition? = nil) throws(RegistryError) -> Bool {
        switch event.kind {
        case .version:
            return try record(try Self.storedVersion(event), position: position)
        case .promotion, .rollback, .retirement:
            if let problem = event.problem { throw RegistryError(problem) }
            let kind: Decision.Kind = switch event.kind {
            case .promotion: .promotion
            case .rollback: .rollback
            case .retirement, .version: .retirement
            }
            return try record(
                Decision(
                    kind: kind, ts: event.ts, actor: actor, model: VersionID(event.model),
                    replaces: VersionID(event.replaces!), evidence: Self.sortedJSON(event.evidence ?? [:])),
                position: position)
        }
    }

    /// Records `version` events (each with the models-topic position it came from) in one transaction.
    /// - Throws: ``ModelRegistry/RegistryError`` naming the first event that is not a whole version (nothing is
    ///   written), or when the file cannot be written.
    public func record(versionEvents events: [(event: ModelEvent, position: TopicPosition?)]) throws(RegistryError) {
        var versions: [(version: StoredVersion, position: TopicPosition?)] = []
        for (event, position) in events {
            precondition(event.kind == .version, "record(versionEvents:) takes versions only")
            versions.append((try Self.storedVersion(event), position))
        }
        try record(versions: versions)
    }

    /// A `version` event as the registry stores it: its weights, and its evidence as sorted JSON.
    /// - Throws: the event's ``FlywheelEvents/ModelEvent/problem`` when it carries no readable weights (decoded once
    ///   here: checking `problem` first would decode them twice).
    private static func storedVersion(_ event: ModelEvent) throws(RegistryError) -> StoredVersion {
        guard let weights = event.weightBytes else { throw RegistryError(event.unreadableWeights) }
        return StoredVersion(
            model: VersionID(event.model), ts: event.ts, weights: weights, evidence: event.evidence.map { sortedJSON($0) })
    }

    /// Records one drift report (the whole report as JSON, with its model, window and whether a detector fired),
    /// with the drift-topic position it came from, in one transaction.
    /// - Returns: whether the report was new (false for a redelivered one).
    @discardableResult
    public func record(_ report: DriftReport, position: TopicPosition? = nil) throws(RegistryError) -> Bool {
        try record(
            StoredDriftReport(
                model: VersionID(report.model), ts: report.ts, fromTs: report.window.fromTs, toTs: report.window.toTs,
                examples: report.window.examples, champion: report.champion, alarm: report.isAlarm,
                json: Self.sortedJSON(report)),
            position: position)
    }

    /// Every stored drift report, oldest first.
    /// - Throws: ``ModelRegistry/RegistryError`` when the file cannot be read or a stored report does not decode.
    public func driftReports() throws(RegistryError) -> [DriftReport] {
        try driftReportTexts().map { text throws(RegistryError) in
            do {
                return try JSONDecoder().decode(DriftReport.self, from: Data(text.utf8))
            } catch {
                throw RegistryError("a drift report stored in \(path) does not decode: \(error)")
            }
        }
    }

    /// Names `model` the champion unless a champion is already recorded (the start of a fresh registry).
    public func setInitialChampion(_ model: ModelReference, ts: Double) throws(RegistryError) {
        try setInitialChampion(VersionID(model), ts: ts)
    }

    /// The champion alias, as a model reference.
    public func champion() throws(RegistryError) -> ModelReference? {
        try alias(Self.championAlias).map(ModelReference.init)
    }

    /// Sorted-key JSON, so the same evidence is always the same text.
    static func sortedJSON<Value: Encodable>(_ value: Value) -> String {
        String(decoding: EventDecoding.encode(value), as: UTF8.self)
    }
}

extension VersionID {
    /// The registry's name for a model reference.
    init(_ reference: ModelReference) { self.init(id: reference.id, version: reference.version) }
}

extension ModelReference {
    /// The model reference a registry name stands for.
    init(_ id: VersionID) { self.init(id: id.id, version: id.version) }
}

extension ModelSet {
    /// The set as a registry snapshot has it: every model at its newest stored version (applied as a `version`
    /// event, so a model the set does not hold joins the shadows), then the champion alias's model as champion —
    /// the same result as applying, in order, every model event the snapshot's positions cover.
    /// - Throws: ``ModelEventError`` when a stored version does not load for the set's schema.
    public func applying(_ snapshot: RegistrySnapshot) throws(ModelEventError) -> ModelSet {
        var set = self
        for stored in snapshot.latest {
            set = try set.applying(ModelEvent(
                kind: .version, ts: stored.ts, model: ModelReference(id: stored.model.id, version: stored.model.version),
                weights: Data(stored.weights).base64EncodedString()))
        }
        if let champion = snapshot.champion, champion.id != set.champion.reference.id {
            set = set.promoting(ModelReference(id: champion.id, version: champion.version), replacing: set.champion.reference)
        }
        return set
    }
}
