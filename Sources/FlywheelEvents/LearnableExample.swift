import FeatureValues

// MARK: - LearnableExample

/// What the trainer reads of a ``JoinedExample`` on `flywheel.examples`: the request id (to learn each request
/// once), the features as scored and the label. The models' answers (`predictions`) are checked to be an array but
/// not decoded: the trainer never uses them, and with seven shadows they were half the cost of decoding an example
/// (the promoter, which compares them, decodes the whole example).
public struct LearnableExample: Sendable, Hashable {
    /// The request id.
    public var requestId: String
    /// The features as scored.
    public var features: FeatureMap
    /// The label: a class id, or the true value for regression.
    public var label: Double

    /// Makes a learnable example.
    public init(requestId: String, features: FeatureMap, label: Double) {
        self.requestId = requestId
        self.features = features
        self.label = label
    }

    /// The learnable part of a joined example.
    public init(_ example: JoinedExample) {
        self.init(requestId: example.requestId, features: example.features, label: example.label)
    }
}

extension EventDecoding {
    /// Reads the learnable part of a joined example's bytes: every field a ``JoinedExample`` has is checked as its
    /// decoder checks it — so a document refused here is refused with the same reason, naming `JoinedExample` —
    /// except that the elements of `predictions` are not read: a document whose answers are malformed (a field, or
    /// a number or escape only reading finds bad) is accepted here; the promoter, which reads them, dead-letters it.
    /// - Throws: ``EventDecodingError``, as ``decode(_:from:)-generic`` for `JoinedExample` would for those fields.
    ///
    /// The binary form (``JoinedExample/binaryMagic``) is read the same way: every field before `predictions`, and
    /// the number of answers (at least one), not the answers.
    public static func decodeLearnable(from bytes: [UInt8]) throws(EventDecodingError) -> LearnableExample {
        if JoinedExample.isBinary(bytes) {
            let example = try readBinary(bytes) { reader throws(BinaryReadError) in
                let head = try JoinedExample.readHead(&reader)
                _ = try JoinedExample.readAnswerCount(&reader)
                return LearnableExample(requestId: head.requestId, features: head.features, label: head.label)
            }
            if example.requestId.isEmpty { throw EventDecodingError(reason: "JoinedExample field 'requestId' is empty") }
            return example
        }
        let example: LearnableExample
        do {
            example = try JSONReader.read(bytes) { json throws(JSONReadError) in
                let fields = try json.fields(of: json.root, "requestId", "requestTs", "labelTs", "features", "label", "predictions")
                let id = try json.field(fields[0], "requestId", json.string)
                _ = try json.field(fields[1], "requestTs", json.double)
                _ = try json.field(fields[2], "labelTs", json.double)
                let features = try json.field(fields[3], "features", json.features)
                let label = try json.field(fields[4], "label", json.double)
                let answers = try json.field(fields[5], "predictions", json.array)
                guard !answers.isEmpty else { throw JSONReadError(kind: .invalid, path: ["predictions"]) }
                return LearnableExample(requestId: id, features: features, label: label)
            }
        } catch {
            throw EventDecodingError(reason: error.reason(for: JoinedExample.self))
        }
        if example.requestId.isEmpty { throw EventDecodingError(reason: "JoinedExample field 'requestId' is empty") }
        return example
    }
}
