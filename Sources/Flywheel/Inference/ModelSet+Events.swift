import FlywheelEvents
import Foundation
import OnlineLearning

extension ModelSet {
    /// The set after a `version` event: the shadow with that model id takes the new weights (or joins the shadows if
    /// it is new); a version of the champion's id replaces the champion. Older or equal versions change nothing.
    /// - Throws: ``ModelEventError`` when the event carries no weights or weights that do not load for the
    ///   champion's feature schema.
    public func applying(_ event: ModelEvent) throws(ModelEventError) -> ModelSet {
        guard event.kind == .version else { return self }
        guard let text = event.weights, let bytes = Data(base64Encoded: text) else {
            throw ModelEventError("version \(event.model) carries no readable weights")
        }
        let loaded: (pipeline: FeaturePipeline, model: LogisticRegression)
        do {
            loaded = try ModelBlob.decode(Array(bytes), expectedSchema: champion.pipeline.schema)
        } catch {
            throw ModelEventError("version \(event.model) does not load: \(error.reason)")
        }
        let served = ServedModel(reference: event.model, pipeline: loaded.pipeline, model: loaded.model)
        var next = self
        if event.model.id == champion.reference.id {
            if event.model.version > champion.reference.version { next.champion = served }
        } else if let index = shadows.firstIndex(where: { $0.reference.id == event.model.id }) {
            if event.model.version > shadows[index].reference.version { next.shadows[index] = served }
        } else {
            next.shadows.append(served)
        }
        return next
    }
}

// MARK: - ModelEventError

/// A model event that cannot be applied; the live models stay as they were.
public struct ModelEventError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why, as a sentence.
    public let reason: String

    /// Makes an error.
    public init(_ reason: String) { self.reason = reason }

    /// `ModelEventError: <reason>`.
    public var description: String { "ModelEventError: \(reason)" }
}

extension ModelSet {
    /// The set after a promotion or rollback: the winning shadow becomes champion and the old champion stays on as a
    /// shadow (so it can win back). Models are matched by id (a shadow may have published newer versions since); a
    /// decision naming a model the set does not hold changes nothing.
    public func applying(_ decision: PromotionRule.Decision) -> ModelSet {
        guard let index = shadows.firstIndex(where: { $0.reference.id == decision.winner.id }),
            champion.reference.id == decision.loser.id
        else { return self }
        var next = self
        next.champion = shadows[index]
        next.shadows[index] = champion
        return next
    }
}
