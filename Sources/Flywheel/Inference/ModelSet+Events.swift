import FlywheelEvents
import OnlineLearning

extension ModelSet {
    /// The set after a model event. A `version`: the shadow with that model id takes the new weights (or joins the
    /// shadows if it is new), a version of the champion's id replaces the champion; older or equal versions change
    /// nothing. A `promotion` or `rollback`: the named shadow becomes champion and the champion it `replaces` stays
    /// on as a shadow (matched by id).
    /// - Throws: ``ModelEventError`` when a version carries no weights or weights that do not load for the
    ///   champion's feature schema, or a promotion does not say which champion it replaces.
    public func applying(_ event: ModelEvent) throws(ModelEventError) -> ModelSet {
        guard event.kind == .version else {
            if let problem = event.problem { throw ModelEventError(problem) }
            if event.kind == .retirement { return self }
            guard let replaced = event.replaces else { return self }  // a `problem`, refused above
            return promoting(event.model, replacing: replaced)
        }
        // The weights decoded once: `problem` would decode them only to check that they can be.
        guard let bytes = event.weightBytes else { throw ModelEventError(event.unreadableWeights) }
        let loaded: (pipeline: FeaturePipeline, learner: OnlineLearner)
        do {
            loaded = try ModelBlob.decodeLearner(bytes, expectedSchema: champion.pipeline.schema)
        } catch {
            throw ModelEventError("version \(event.model) does not load: \(error.reason)")
        }
        guard loaded.learner.isClassifier == champion.learner.isClassifier else {
            throw ModelEventError("version \(event.model) is a \(loaded.learner.isClassifier ? "classifier" : "regressor"); the set serves the other kind")
        }
        guard loaded.learner.classCount == champion.learner.classCount else {
            throw ModelEventError(
                "version \(event.model) tells \(loaded.learner.classCount) classes apart; the set serves \(champion.learner.classCount)")
        }
        let served = ServedModel(reference: event.model, pipeline: loaded.pipeline, learner: loaded.learner)
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
    /// decision naming a model the set does not hold, or a champion it does not serve, changes nothing.
    public func promoting(_ winner: ModelReference, replacing loser: ModelReference) -> ModelSet {
        guard let index = shadows.firstIndex(where: { $0.reference.id == winner.id }),
            champion.reference.id == loser.id
        else { return self }
        var next = self
        next.champion = shadows[index]
        next.shadows[index] = champion
        return next
    }
}
