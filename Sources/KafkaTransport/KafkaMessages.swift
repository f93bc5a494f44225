// MARK: - KafkaHeader

/// One Kafka record header: a name and an optional value.
public struct KafkaHeader: Sendable, Hashable {
    /// The header name.
    public var name: String
    /// The header value, or `nil` for a header without one.
    public var value: [UInt8]?

    /// Makes a header.
    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    /// Makes a header whose value is UTF-8 text.
    public init(name: String, text: String) {
        self.init(name: name, value: Array(text.utf8))
    }
}

// MARK: - KafkaOutgoingMessage

/// A record to produce.
public struct KafkaOutgoingMessage: Sendable, Hashable {
    /// The topic to produce to.
    public var topic: String
    /// The partition, or `nil` to let the partitioner choose (by key hash when there is a key).
    public var partition: Int32?
    /// The record key; records with the same key go to the same partition.
    public var key: [UInt8]?
    /// The record value.
    public var value: [UInt8]
    /// Record headers.
    public var headers: [KafkaHeader]

    /// Makes a record.
    public init(topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader] = []) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// Makes a record with a UTF-8 text key.
    public init(topic: String, key: String, value: [UInt8], headers: [KafkaHeader] = []) {
        self.init(topic: topic, key: Array(key.utf8), value: value, headers: headers)
    }
}

// MARK: - KafkaConsumerMessage

/// A record received by a ``KafkaConsumer``, copied out of librdkafka.
public struct KafkaConsumerMessage: Sendable, Hashable {
    /// The topic it came from.
    public var topic: String
    /// The partition it came from.
    public var partition: Int32
    /// Its offset within the partition.
    public var offset: Int64
    /// The record key.
    public var key: [UInt8]?
    /// The record value (empty for a null value).
    public var value: [UInt8]
    /// The record headers.
    public var headers: [KafkaHeader]
    /// The record timestamp in milliseconds since the epoch, if the broker reported one.
    public var timestampMilliseconds: Int64?

    /// Makes a message (used by the consumer and by tests).
    public init(
        topic: String,
        partition: Int32,
        offset: Int64,
        key: [UInt8]?,
        value: [UInt8],
        headers: [KafkaHeader] = [],
        timestampMilliseconds: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }

    /// Where the record sits: topic, partition and offset.
    public var position: KafkaTopicPartitionOffset {
        KafkaTopicPartitionOffset(topic: topic, partition: partition, offset: offset)
    }
}

// MARK: - KafkaTopicPartition

/// A topic and partition.
public struct KafkaTopicPartition: Sendable, Hashable, CustomStringConvertible {
    /// The topic name.
    public var topic: String
    /// The partition number.
    public var partition: Int32

    /// Makes a topic-partition.
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    /// `topic[partition]`.
    public var description: String { "\(topic)[\(partition)]" }
}

// MARK: - KafkaTopicPartitionOffset

/// A topic, partition and offset: a position to start from, commit, or report.
public struct KafkaTopicPartitionOffset: Sendable, Hashable, CustomStringConvertible {
    /// The offset meaning "the first record still retained" (`RD_KAFKA_OFFSET_BEGINNING`).
    public static let beginning: Int64 = -2
    /// The offset meaning "after the last record" (`RD_KAFKA_OFFSET_END`).
    public static let end: Int64 = -1
    /// The offset meaning "the group's committed offset" (`RD_KAFKA_OFFSET_STORED`).
    public static let stored: Int64 = -1000

    /// The topic name.
    public var topic: String
    /// The partition number.
    public var partition: Int32
    /// The offset, or one of the logical offsets above.
    public var offset: Int64

    /// Makes a position.
    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    /// The topic-partition without the offset.
    public var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }

    /// `topic[partition]@offset`.
    public var description: String { "\(topic)[\(partition)]@\(offset)" }
}

// MARK: - KafkaDeliveryReport

/// The outcome of producing one message. It names the message by the id ``KafkaProducer`` gave it (and, for
/// ``KafkaProducer/deliver(_:)``, by its position in the batch), so it carries no copy of the topic: reports stay
/// small and free of reference counting on the hot path.
public struct KafkaDeliveryReport: Sendable, Hashable {
    /// The id ``KafkaProducer`` gave the message when it was sent.
    public var messageID: UInt64
    /// The partition it landed in (or was meant for, on failure; -1 when none was chosen).
    public var partition: Int32
    /// Its offset, when the broker reported one.
    public var offset: Int64?
    /// Why it was not delivered, or `nil` when it was.
    public var error: KafkaResponseCode?

    /// Makes a report.
    public init(messageID: UInt64, partition: Int32, offset: Int64?, error: KafkaResponseCode?) {
        self.messageID = messageID
        self.partition = partition
        self.offset = offset
        self.error = error
    }

    /// Whether the message was delivered.
    public var isDelivered: Bool { error == nil }
}
