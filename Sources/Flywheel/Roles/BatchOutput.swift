import FlywheelEvents
import KafkaTransport
import Logging

// MARK: - BatchOutput

/// What every service does with a consumed batch's output: dead letters made the same way, and delivery of
/// everything before the batch's offsets may be stored.
enum BatchOutput {
    /// The dead-letter record for a message that could not be used: the original bytes, where they came from, and
    /// why, keyed by the original key.
    static func deadLetter(
        for message: KafkaConsumerMessage, reason: String, topic: String, ts: Double
    ) -> KafkaOutgoingMessage {
        let letter = DeadLetterEvent(
            reason: reason, source: .init(topic: message.topic, partition: message.partition, offset: message.offset),
            key: message.key, value: message.value, ts: ts)
        return KafkaOutgoingMessage(topic: topic, key: message.key, value: EventDecoding.encode(letter))
    }

    /// Delivers every message, resending the ones that failed (with backoff) up to `attempts` times in all.
    /// - Throws: ``KafkaTransport/KafkaError`` (retriable) when some are still undelivered; the caller must then not
    ///   store the batch's offsets.
    static func deliverAll(
        _ messages: [KafkaOutgoingMessage], through producer: KafkaProducer, attempts: Int, logger: Logger
    ) async throws {
        var pending = messages
        for attempt in 1...max(1, attempts) {
            let reports = try await producer.deliver(pending)
            let failed = zip(pending, reports).filter { !$0.1.isDelivered }
            if failed.isEmpty { return }
            pending = failed.map(\.0)
            guard attempt < attempts else { break }
            logger.warning("\(failed.count) outputs not delivered; sending again", metadata: ["flywheel.attempt": "\(attempt)"])
            try await Task.sleep(for: .milliseconds(100 * attempt))
        }
        throw KafkaError(
            code: .message,
            reason: "\(pending.count) outputs of the batch could not be delivered after \(max(1, attempts)) attempt(s); "
                + "its offsets were not stored",
            isRetriable: true)
    }
}
