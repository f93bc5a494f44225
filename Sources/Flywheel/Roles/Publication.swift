import FlywheelEvents
import KafkaTransport

// MARK: - Publication

/// An event a role publishes: the contract between roles is this type, and each kind has one topic and one key.
public enum Publication: Sendable, Hashable {
    /// A prediction, on the predictions topic, keyed by request id.
    case prediction(PredictionEvent)
    /// A joined example, on the examples topic, keyed by request id.
    case example(JoinedExample)
    /// A model event (version, promotion, rollback, retirement), on the models topic, all under one key
    /// (``modelsKey``): one partition holds them in the order published, so every serving process applies the same
    /// versions and decisions in the same order.
    case model(ModelEvent)
    /// A drift report, on the drift topic, keyed by model id.
    case drift(DriftReport)
    /// Something the role held back with the reason, on the dead-letter topic under `key` (the feedback role's joined
    /// examples while the label guard suspects the labels): kept whole, to be replayed once it is understood.
    case held(DeadLetterEvent, key: String)
    /// Not an event: the input at this index of the handled batch is refused (it decoded, but the role cannot use
    /// it — a label outside the task's classes, a request no model can answer), and goes to the dead-letter topic
    /// with the reason.
    case refusal(input: Int, reason: String)

    /// The key of every model event.
    public static let modelsKey = "flywheel.models"

    /// Where the event goes and under which key (nil for a refusal).
    func destination(topics: LoopTopics) -> (topic: String, key: String)? {
        switch self {
        case .prediction(let event): (topics.predictions, event.requestId)
        case .example(let event): (topics.examples, event.requestId)
        case .model: (topics.models, Self.modelsKey)
        case .drift(let report): (topics.drift, report.model.id)
        case .held(_, let key): (topics.deadLetter, key)
        case .refusal: nil
        }
    }

    /// The event itself (nil for a refusal).
    private var event: (any Encodable)? {
        switch self {
        case .prediction(let event): event
        case .example(let event): event
        case .model(let event): event
        case .drift(let report): report
        case .held(let event, _): event
        case .refusal: nil
        }
    }

    /// The event as JSON — a joined example in its binary form (``FlywheelEvents/JoinedExample/write(binary:)``):
    /// the examples topic is internal, read by the trainer and the promoter, and an outside tool reads it with
    /// scripts/read-examples.py (docs/event-formats.md).
    /// - Throws: ``FlywheelEvents/EventEncodingError`` when it holds a number JSON cannot carry.
    func encoded() throws(EventEncodingError) -> [UInt8] {
        switch self {
        case .prediction(let event): try EventDecoding.encodeChecked(event)  // the byte writers: the hot path
        case .example(let event): try EventDecoding.encodeBinary(event)  // internal: the binary form
        case .model(let event): try EventDecoding.encodeChecked(event)
        case .drift(let report): try EventDecoding.encodeChecked(report)
        case .held(let event, _): try EventDecoding.encodeChecked(event)
        case .refusal: []
        }
    }

    /// The event as JSON even when it cannot be encoded properly (non-finite numbers as strings), for a dead letter.
    var lossyEncoded: [UInt8] { event.map { EventDecoding.encodeLossy($0) } ?? [] }
}
