// MARK: - ModelReference

/// A model and the version that made a prediction or an event (`common.schema.json#/$defs/modelRef`).
public struct ModelReference: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The model id, e.g. `logreg-champion`.
    public var id: String
    /// The version, from 1.
    public var version: Int

    /// Names a model version.
    public init(id: String, version: Int) {
        self.id = id
        self.version = version
    }

    /// `id@version`.
    public var description: String { "\(id)@\(version)" }
}

// MARK: - ModelOutput

/// One model's answer for a request (`common.schema.json#/$defs/modelOutput`).
public struct ModelOutput: Codable, Sendable, Hashable {
    /// Which model and version answered.
    public var model: ModelReference
    /// The answer: a class id, or the predicted value for regression.
    public var answer: Double
    /// Class probabilities by class id, for classifiers; absent for regression.
    public var probabilities: [Double]?

    /// Makes an output.
    public init(model: ModelReference, answer: Double, probabilities: [Double]? = nil) {
        self.model = model
        self.answer = answer
        self.probabilities = probabilities
    }
}
