import FlywheelEvents
import Foundation
import KafkaTransport
import ModelRegistry

// MARK: - OperatorCommandError

/// An operator's command that cannot be carried out; nothing changed.
public struct OperatorCommandError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why, in the terms an HTTP answer needs.
    public enum Kind: Sendable, Hashable {
        /// This process does not run the trainer role (it holds the registry and the promoter).
        case notHere
        /// No such model (or version) in the registry.
        case unknown
        /// The command makes no sense now (the model is champion already, there is nothing to roll back).
        case conflict
        /// The registry or Kafka failed.
        case failed
    }

    /// What went wrong.
    public let kind: Kind
    /// A sentence naming the fix.
    public let reason: String

    /// Makes an error.
    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    /// The reason.
    public var description: String { reason }
}

// MARK: - FlywheelLoop + Operator

/// An operator's commands, carried out by the process that runs the trainer role (it holds the registry and the
/// promoter). A promotion or rollback is published on the models topic like the promoter's decisions, signed by the
/// operator: every inference process applies it, the registry's recorder logs it, and the promoter adopts the new
/// champion when its first examples arrive. A freeze or unfreeze is logged in the registry's audit log and applied to
/// the promoter at once; it outlives restarts (the trainer reads the latest at start).
extension FlywheelLoop {
    /// Publishes a promotion of `model` (its `version`, or its newest stored one) over the current champion.
    /// - Parameters:
    ///   - actor: who asks, as the audit log shows it.
    ///   - reason: the operator's note, kept in the evidence.
    /// - Returns: the event published.
    /// - Throws: ``OperatorCommandError``.
    public func promote(
        _ model: String, version: Int? = nil, actor: String, reason: String?
    ) async throws(OperatorCommandError) -> ModelEvent {
        let registry = try operatorRegistry()
        let champion = try operatorChampion(registry)
        guard model != champion.id else {
            throw OperatorCommandError(.conflict, "\(model) is the champion already (\(champion))")
        }
        let target = try storedVersion(of: model, version: version, in: registry)
        return try await publishDecision(.promotion, model: target, replaces: champion, actor: actor, reason: reason)
    }

    /// Publishes a rollback: the model the champion replaced (by the latest promotion or rollback that made it
    /// champion) becomes champion again, at its newest stored version.
    /// - Throws: ``OperatorCommandError`` (``OperatorCommandError/Kind/conflict`` when no decision made the current
    ///   champion).
    public func rollback(actor: String, reason: String?) async throws(OperatorCommandError) -> ModelEvent {
        let registry = try operatorRegistry()
        let champion = try operatorChampion(registry)
        let log = try registryCall { try registry.auditLog() }
        let championChanges = log.filter { $0.kind == .promotion || $0.kind == .rollback }
        guard let made = championChanges.last(where: { $0.model.id == champion.id })
        else {
            throw OperatorCommandError(.conflict, "no promotion or rollback made \(champion.id) champion: nothing to roll back to")
        }
        let target = try storedVersion(of: made.replaces.id, version: nil, in: registry)
        return try await publishDecision(.rollback, model: target, replaces: champion, actor: actor, reason: reason)
    }

    /// Freezes (true) or resumes (false) the promoter's automatic decisions, logging it in the audit log.
    /// - Returns: whether anything changed (freezing a frozen loop logs nothing).
    public func setDecisionsFrozen(_ frozen: Bool, actor: String, reason: String?) throws(OperatorCommandError) -> Bool {
        let registry = try operatorRegistry()
        guard let promoter else { throw OperatorCommandError(.notHere, "this process runs no promoter (start it with --role trainer)") }
        guard promoter.isFrozen != frozen else { return false }
        let current = try operatorChampion(registry)
        let champion = VersionID(id: current.id, version: current.version)
        var evidence: [String: EvidenceValue] = [EvidenceKey.decidedBy: .text(actor)]
        if let reason { evidence["reason"] = .text(reason) }
        let entry = Decision(
            kind: frozen ? .freeze : .unfreeze, ts: wallClock.secondsSince1970, actor: actor, model: champion,
            replaces: champion, evidence: String(decoding: EventDecoding.encode(evidence), as: UTF8.self))
        _ = try registryCall { try registry.record(entry) }
        promoter.setFrozen(frozen)
        return true
    }

    // MARK: Helpers

    private func operatorRegistry() throws(OperatorCommandError) -> ModelRegistry {
        guard let registry else {
            throw OperatorCommandError(
                .notHere, "this process does not run the trainer role, which holds the registry and the promoter: send "
                    + "the command to the process started with --role trainer (or all)")
        }
        return registry
    }

    private func operatorChampion(_ registry: ModelRegistry) throws(OperatorCommandError) -> ModelReference {
        guard let champion = try registryCall({ try registry.champion() }) else {
            throw OperatorCommandError(.conflict, "the registry names no champion yet")
        }
        return champion
    }

    private func storedVersion(of model: String, version: Int?, in registry: ModelRegistry) throws(OperatorCommandError) -> ModelReference {
        let versions = try registryCall { try registry.versionList(of: model).map(\.version) }
        guard let newest = versions.max() else {
            // No version stored yet (the trainer has not published one): the model as the trainer holds it.
            if let trained = trainer?.models.first(where: { $0.reference.id == model })?.reference,
                version == nil || version == trained.version
            {
                return trained
            }
            throw OperatorCommandError(.unknown, "the registry holds no version of a model '\(model)'; GET /models lists them")
        }
        if let version {
            guard versions.contains(version) else {
                throw OperatorCommandError(.unknown, "the registry holds no version \(version) of \(model) (newest: \(newest))")
            }
            return ModelReference(id: model, version: version)
        }
        return ModelReference(id: model, version: newest)
    }

    private func publishDecision(
        _ kind: ModelEvent.Kind, model: ModelReference, replaces: ModelReference, actor: String, reason: String?
    ) async throws(OperatorCommandError) -> ModelEvent {
        var evidence: [String: EvidenceValue] = [EvidenceKey.decidedBy: .text(actor), "test": .text("operator")]
        if let reason { evidence["reason"] = .text(reason) }
        let event = ModelEvent(
            kind: kind, ts: wallClock.secondsSince1970, model: model, replaces: replaces, evidence: evidence)
        do {
            let value = try Publication.model(event).encoded()
            let reports = try await producer.deliver([
                KafkaOutgoingMessage(topic: topics.models, key: Publication.modelsKey, value: value)
            ])
            if let failed = reports.first(where: { $0.error != nil }) {
                throw OperatorCommandError(.failed, "Kafka refused the \(kind.rawValue): \(failed.error.map { "\($0)" } ?? "")")
            }
        } catch let error as OperatorCommandError {
            throw error
        } catch {
            throw OperatorCommandError(.failed, "the \(kind.rawValue) could not be published: \(error)")
        }
        return event
    }

    private func registryCall<T>(_ body: () throws -> T) throws(OperatorCommandError) -> T {
        do {
            return try body()
        } catch let error as RegistryError {
            throw OperatorCommandError(.failed, error.reason)
        } catch {
            throw OperatorCommandError(.failed, "\(error)")
        }
    }
}
