import FlywheelEvents
import KafkaTransport
import Logging

// MARK: - BatchOutput

/// What every role runner does with a consumed batch's output: dead letters made the same way, and delivery of
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

    /// The dead-letter record for an output that cannot be published: its first bytes, the topic it was meant for
    /// and its size, why, and the input it answered as the source; keyed by the output's key.
    static func deadLetter(
        forOutput output: KafkaOutgoingMessage, answering input: KafkaConsumerMessage, reason: String, topic: String,
        ts: Double
    ) -> KafkaOutgoingMessage {
        let letter = DeadLetterEvent(
            reason: reason, source: .init(topic: input.topic, partition: input.partition, offset: input.offset),
            key: output.key, value: output.value, ts: ts,
            output: .init(topic: output.topic, bytes: output.value.count))
        return KafkaOutgoingMessage(topic: topic, key: output.key, value: EventDecoding.encode(letter))
    }

    /// Sees a batch delivered whose first send is already enqueued (`sent`, from `producer.enqueue(messages)`):
    /// waits for its reports, then resends the messages that failed (with backoff) up to `attempts` sends in all. A
    /// message the broker refuses for itself (too large, invalid: ``KafkaTransport/KafkaResponseCode/isRefusedMessage``)
    /// is not sent again but replaced by `setAside`'s dead letter, which is delivered in its place.
    /// - Returns: how many messages were set aside.
    /// - Throws: ``KafkaTransport/KafkaError`` (retriable) when some are still undelivered; the caller must then not
    ///   store the batch's offsets.
    static func confirm(
        _ sent: KafkaPendingBatch, of messages: [KafkaOutgoingMessage], through producer: KafkaProducer, attempts: Int,
        logger: Logger, setAside: (KafkaOutgoingMessage, KafkaResponseCode) -> KafkaOutgoingMessage
    ) async throws -> Int {
        var pending = messages
        var firstSend: KafkaPendingBatch? = sent
        var setAsideCount = 0
        var settingAside = Set<Int>()  // indices in `pending` that are already dead letters for refused messages
        var attempt = 0
        while true {
            attempt += 1
            let reports: [KafkaDeliveryReport]
            if let first = firstSend {
                reports = await producer.reports(for: first)
                firstSend = nil
            } else {
                reports = try await producer.deliver(pending)
            }
            var next: [KafkaOutgoingMessage] = []
            var nextSettingAside = Set<Int>()
            var newlySetAside = 0
            for (index, (message, report)) in zip(pending, reports).enumerated() where !report.isDelivered {
                if let code = report.error, code.isRefusedMessage, !settingAside.contains(index) {
                    logger.error("An output the broker refuses is set aside on the dead-letter topic", metadata: [
                        "kafka.topic": "\(message.topic)", "kafka.bytes": "\(message.value.count)", "kafka.error": "\(code)",
                    ])
                    nextSettingAside.insert(next.count)
                    next.append(setAside(message, code))
                    setAsideCount += 1
                    newlySetAside += 1
                } else {
                    if settingAside.contains(index) { nextSettingAside.insert(next.count) }
                    next.append(message)
                }
            }
            if next.isEmpty { return setAsideCount }
            pending = next
            settingAside = nextSettingAside
            // The attempts bound the retries of ordinary failures; dead letters made this round get one more send.
            let onlyNewDeadLetters = newlySetAside == next.count
            guard attempt < attempts || (onlyNewDeadLetters && attempt < attempts + 1) else { break }
            logger.warning("Outputs not delivered; sending again", metadata: ["flywheel.undelivered": "\(next.count)", "flywheel.attempt": "\(attempt)"])
            if !onlyNewDeadLetters { try await Task.sleep(for: .milliseconds(100 * attempt)) }
        }
        throw KafkaError(
            code: .message,
            reason: "\(pending.count) outputs of the batch could not be delivered after \(max(1, attempts)) attempt(s); "
                + "its offsets were not stored",
            isRetriable: true)
    }
}
