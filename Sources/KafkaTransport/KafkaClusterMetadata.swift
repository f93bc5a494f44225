import CRdKafka

// MARK: - KafkaClusterMetadata

/// A snapshot of the cluster: its brokers and topics, as a client sees them.
public struct KafkaClusterMetadata: Sendable, Hashable {
    /// One broker.
    public struct Broker: Sendable, Hashable {
        /// The broker id.
        public var id: Int32
        /// The advertised host.
        public var host: String
        /// The advertised port.
        public var port: Int32
    }

    /// One topic.
    public struct Topic: Sendable, Hashable {
        /// The topic name.
        public var name: String
        /// How many partitions it has.
        public var partitionCount: Int
        /// The topic-level error, if the broker reported one (e.g. unknown topic).
        public var error: KafkaResponseCode?
    }

    /// The brokers.
    public var brokers: [Broker]
    /// The topics, by name.
    public var topics: [String: Topic]

    /// Copies librdkafka's metadata struct.
    init(_ metadata: rd_kafka_metadata) {
        brokers = (0..<Int(metadata.broker_cnt)).map { index in
            let broker = metadata.brokers[index]
            return Broker(id: broker.id, host: String(cString: broker.host), port: broker.port)
        }
        var topics: [String: Topic] = [:]
        for index in 0..<Int(metadata.topic_cnt) {
            let topic = metadata.topics[index]
            let name = String(cString: topic.topic)
            topics[name] = Topic(
                name: name,
                partitionCount: Int(topic.partition_cnt),
                error: topic.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaResponseCode(rawValue: topic.err.rawValue)
            )
        }
        self.topics = topics
    }
}
