// MARK: - ValidatedEvent

/// An event with rules the JSON types alone do not say (`streams/schemas`: an id is never empty; a version carries
/// weights): ``EventDecoding/decode(_:from:)`` refuses one that breaks them, with the sentence it gives.
public protocol ValidatedEvent {
    /// Why the event cannot be used, as a sentence naming the field, never a value; nil when it is whole.
    var problem: String? { get }
}

extension RequestEvent: ValidatedEvent {
    /// An empty id (the schema's `minLength: 1`).
    public var problem: String? { id.isEmpty ? "RequestEvent field 'id' is empty" : nil }
}

extension LabelEvent: ValidatedEvent {
    /// An empty id, or a label that is not a finite number.
    public var problem: String? {
        if id.isEmpty { return "LabelEvent field 'id' is empty" }
        return label.isFinite ? nil : "LabelEvent field 'label' is not a finite number"
    }
}

extension PredictionEvent: ValidatedEvent {
    /// An empty request id.
    public var problem: String? { requestId.isEmpty ? "PredictionEvent field 'requestId' is empty" : nil }
}

extension JoinedExample: ValidatedEvent {
    /// An empty request id.
    public var problem: String? { requestId.isEmpty ? "JoinedExample field 'requestId' is empty" : nil }
}

extension ModelEvent: ValidatedEvent {}
