// MARK: - KafkaProducerConfiguration

/// How a ``KafkaProducer`` talks to the cluster. Defaults favour not losing or duplicating messages: idempotence on,
/// `acks=all`.
public struct KafkaProducerConfiguration: Sendable, Equatable {
    /// Where the cluster is and any pass-through properties.
    public var client: KafkaClientConfiguration
    /// Exactly-once, in-order delivery per partition from this producer instance. `enable.idempotence`.
    /// Default: `true`.
    public var isIdempotent: Bool
    /// How long to wait for more messages to fill a batch. `linger.ms` (to the microsecond: librdkafka reads a
    /// fraction of a millisecond). Default: 5 ms.
    public var linger: Duration
    /// How long a message may wait for successful delivery before it fails. `message.timeout.ms`. Default: 300 s
    /// (capped at ``transactionTimeout`` for a transactional producer, as librdkafka requires).
    public var messageTimeout: Duration
    /// The most messages librdkafka keeps queued before `send` waits. `queue.buffering.max.messages`.
    /// Default: 100,000.
    public var maximumQueuedMessages: Int
    /// Batch compression. `compression.codec`. Default: `none`.
    public var compressionCodec: String
    /// Makes the producer transactional. `transactional.id`. Default: `nil` (not transactional).
    public var transactionalID: String?
    /// How long a transaction may stay open. `transaction.timeout.ms`. Default: 60 s.
    public var transactionTimeout: Duration
    /// Whether reports of messages sent with ``KafkaProducer/send(_:)`` go to
    /// ``KafkaProducer/deliveryReports``; when `false` they only update ``KafkaProducer/statistics``.
    /// Default: `false`.
    public var isDeliveryReportStreamEnabled: Bool
    /// How long a graceful shutdown waits for queued messages to be delivered. Default: 30 s.
    public var flushTimeout: Duration

    /// Makes a producer configuration with the defaults above.
    /// - Parameter client: where the cluster is.
    public init(client: KafkaClientConfiguration) {
        self.client = client
        self.isIdempotent = true
        self.linger = .milliseconds(5)
        self.messageTimeout = .seconds(300)
        self.maximumQueuedMessages = 100_000
        self.compressionCodec = "none"
        self.transactionalID = nil
        self.transactionTimeout = .seconds(60)
        self.isDeliveryReportStreamEnabled = false
        self.flushTimeout = .seconds(30)
    }

    /// All librdkafka properties for this producer, in the order they are applied.
    var librdkafkaProperties: [(String, String)] {
        var result = client.typedProperties
        result.append(("enable.idempotence", isIdempotent ? "true" : "false"))
        result.append(("linger.ms", linger.fractionalMillisecondsText))  // librdkafka takes fractions of a millisecond
        // librdkafka requires message.timeout.ms <= transaction.timeout.ms for a transactional producer.
        let effectiveMessageTimeout = transactionalID == nil ? messageTimeout : min(messageTimeout, transactionTimeout)
        result.append(("message.timeout.ms", String(effectiveMessageTimeout.milliseconds)))
        result.append(("queue.buffering.max.messages", String(maximumQueuedMessages)))
        result.append(("compression.codec", compressionCodec))
        if let transactionalID {
            result.append(("transactional.id", transactionalID))
            result.append(("transaction.timeout.ms", String(transactionTimeout.milliseconds)))
        }
        result.append(contentsOf: client.properties.sorted { $0.key < $1.key })
        return result
    }
}
