import FlywheelEvents
import KafkaTransport

// MARK: - Publication

/// An event a role publishes: the contract between roles is this type, and each kind has one topic and one key.
public enum Publication: Sendable, Hashable {
    /// A prediction, on the predictions topic, keyed by request id.
    case prediction(PredictionEvent)
    /// A joined example, on the examples topic, keyed by request id.
    case example(JoinedExample)
    /// A model event (version, promotion, rollback), on the models topic, keyed by model id.
    case model(ModelEvent)
    /// A drift report, on the drift topic, keyed by model id.
    case drift(DriftReport)

    /// The Kafka record: the kind's topic among `topics`, its key, the event encoded.
    func message(topics: LoopTopics) -> KafkaOutgoingMessage {
        switch self {
        case .prediction(let event):
            KafkaOutgoingMessage(topic: topics.predictions, key: event.requestId, value: EventDecoding.encode(event))
        case .example(let event):
            KafkaOutgoingMessage(topic: topics.examples, key: event.requestId, value: EventDecoding.encode(event))
        case .model(let event):
            KafkaOutgoingMessage(topic: topics.models, key: event.model.id, value: EventDecoding.encode(event))
        case .drift(let report):
            KafkaOutgoingMessage(topic: topics.drift, key: report.model.id, value: EventDecoding.encode(report))
        }
    }
}
