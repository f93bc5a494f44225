import CRdKafka

// MARK: - KafkaResponseCode

/// A librdkafka error code (`rd_kafka_resp_err_t`): negative values are librdkafka's own (local) errors, positive
/// ones are the Kafka protocol's error codes.
public struct KafkaResponseCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The `rd_kafka_resp_err_t` value.
    public let rawValue: Int32

    /// Wraps a raw `rd_kafka_resp_err_t` value.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// librdkafka's symbolic name without the `RD_KAFKA_RESP_ERR_` prefix, e.g. `NOT_COORDINATOR` or `_TRANSPORT`
    /// (`rd_kafka_err2name`).
    public var name: String { String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: rawValue))) }

    /// librdkafka's human-readable description (`rd_kafka_err2str`).
    public var message: String { String(cString: rd_kafka_err2str(rd_kafka_resp_err_t(rawValue: rawValue))) }

    /// `NAME (message)`.
    public var description: String { "\(name) (\(message))" }

    /// Whether the code is one of the transient conditions a client retries: timeouts, transport failures,
    /// leadership and coordinator moves, full queues.
    public var isTransient: Bool { Self.transient.contains(self) }

    private static let transient: Set<KafkaResponseCode> = [
        .timedOut, .transport, .allBrokersDown, .queueFull, .notCoordinator, .coordinatorNotAvailable,
        .coordinatorLoadInProgress, .notLeaderForPartition, .leaderNotAvailable, .requestTimedOut,
        .concurrentTransactions, .notEnoughReplicas, .networkException,
    ]

    /// No error.
    public static let noError = Self(rawValue: RD_KAFKA_RESP_ERR_NO_ERROR.rawValue)
    /// Local: operation timed out.
    public static let timedOut = Self(rawValue: RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue)
    /// Local: broker transport failure.
    public static let transport = Self(rawValue: RD_KAFKA_RESP_ERR__TRANSPORT.rawValue)
    /// Local: all broker connections are down.
    public static let allBrokersDown = Self(rawValue: RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue)
    /// Local: the producer queue is full.
    public static let queueFull = Self(rawValue: RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue)
    /// Local: message timed out before delivery.
    public static let messageTimedOut = Self(rawValue: RD_KAFKA_RESP_ERR__MSG_TIMED_OUT.rawValue)
    /// Local: unknown topic.
    public static let unknownTopicLocal = Self(rawValue: RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC.rawValue)
    /// Local: a fatal error has been raised on the client.
    public static let fatal = Self(rawValue: RD_KAFKA_RESP_ERR__FATAL.rawValue)
    /// Local: erroneous state (e.g. storing an offset for a partition that is not assigned).
    public static let state = Self(rawValue: RD_KAFKA_RESP_ERR__STATE.rawValue)
    /// Local: no offset to commit.
    public static let noOffset = Self(rawValue: RD_KAFKA_RESP_ERR__NO_OFFSET.rawValue)
    /// Broker: unknown topic or partition.
    public static let unknownTopicOrPartition = Self(rawValue: RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue)
    /// Broker: not leader for partition.
    public static let notLeaderForPartition = Self(rawValue: RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION.rawValue)
    /// Broker: leader not available.
    public static let leaderNotAvailable = Self(rawValue: RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE.rawValue)
    /// Broker: request timed out.
    public static let requestTimedOut = Self(rawValue: RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT.rawValue)
    /// Broker: network exception.
    public static let networkException = Self(rawValue: RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION.rawValue)
    /// Broker: coordinator load in progress.
    public static let coordinatorLoadInProgress = Self(rawValue: RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS.rawValue)
    /// Broker: coordinator not available.
    public static let coordinatorNotAvailable = Self(rawValue: RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE.rawValue)
    /// Broker: not coordinator.
    public static let notCoordinator = Self(rawValue: RD_KAFKA_RESP_ERR_NOT_COORDINATOR.rawValue)
    /// Broker: not enough in-sync replicas.
    public static let notEnoughReplicas = Self(rawValue: RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS.rawValue)
    /// Broker: topic authorization failed.
    public static let topicAuthorizationFailed = Self(rawValue: RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED.rawValue)
    /// Broker: group authorization failed.
    public static let groupAuthorizationFailed = Self(rawValue: RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED.rawValue)
    /// Broker: producer attempted a transactional operation in an invalid state.
    public static let invalidTransactionState = Self(rawValue: RD_KAFKA_RESP_ERR_INVALID_TXN_STATE.rawValue)
    /// Broker: producer attempted an operation with an old epoch (it has been fenced).
    public static let invalidProducerEpoch = Self(rawValue: RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH.rawValue)
    /// Broker: there is a newer producer with the same transactional id, which fences this one.
    public static let producerFenced = Self(rawValue: RD_KAFKA_RESP_ERR_PRODUCER_FENCED.rawValue)
    /// Broker: transactional id authorization failed.
    public static let transactionalIDAuthorizationFailed =
        Self(rawValue: RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED.rawValue)
    /// Broker: the producer attempted to update a transaction while another concurrent operation on the same
    /// transaction was ongoing.
    public static let concurrentTransactions = Self(rawValue: RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS.rawValue)
    /// Broker: the request is not valid given the current state.
    public static let invalidRequest = Self(rawValue: RD_KAFKA_RESP_ERR_INVALID_REQUEST.rawValue)
    /// Broker (or the client's own `message.max.bytes` check): the message is larger than accepted.
    public static let messageSizeTooLarge = Self(rawValue: RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE.rawValue)
    /// Broker: the message failed its CRC or is otherwise corrupt.
    public static let invalidMessage = Self(rawValue: RD_KAFKA_RESP_ERR_INVALID_MSG.rawValue)
    /// Broker: the message has an invalid size.
    public static let invalidMessageSize = Self(rawValue: RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE.rawValue)
    /// Broker: the record batch is larger than the broker accepts.
    public static let recordListTooLarge = Self(rawValue: RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE.rawValue)

    /// Whether this message will be refused however often it is sent (too large, invalid): sending it again
    /// cannot help, so a caller should set it aside rather than retry.
    public var isRefusedMessage: Bool {
        self == .messageSizeTooLarge || self == .invalidMessage || self == .invalidMessageSize
            || self == .recordListTooLarge
    }
}
