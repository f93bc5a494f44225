import CRdKafka
import Logging

// MARK: - KafkaAdmin

/// Cluster administration through librdkafka's Admin API: creating topics and reading metadata.
public final class KafkaAdmin: Sendable {
    /// A topic to create.
    public struct NewTopic: Sendable, Hashable {
        /// The topic name.
        public var name: String
        /// How many partitions.
        public var partitions: Int32
        /// How many replicas of each partition; -1 for the broker default.
        public var replicationFactor: Int32
        /// Topic-level configs (`retention.ms`, `cleanup.policy`, …).
        public var configs: [String: String]

        /// Describes a topic to create.
        public init(name: String, partitions: Int32, replicationFactor: Int32 = -1, configs: [String: String] = [:]) {
            self.name = name
            self.partitions = partitions
            self.replicationFactor = replicationFactor
            self.configs = configs
        }
    }

    private let client: RDKafkaClient

    /// Creates an admin client.
    /// - Throws: ``KafkaError/Code-swift.struct/invalidConfiguration`` naming a rejected property.
    public init(configuration: KafkaClientConfiguration, logger: Logger) throws(KafkaError) {
        try configuration.validate()
        var logger = logger
        logger[metadataKey: KafkaLogKey.role] = "admin"
        var properties = configuration.typedProperties
        properties.append(contentsOf: configuration.properties.sorted { $0.key < $1.key })
        client = try RDKafkaClient(kind: .producer, properties: properties, context: RDKafkaClientContext(logger: logger))
    }

    /// Fetches cluster metadata.
    /// - Throws: ``KafkaError/Code-swift.struct/unreachable`` naming `bootstrap.servers` when no broker answers.
    public func metadata(timeout: Duration = .seconds(10)) async throws(KafkaError) -> KafkaClusterMetadata {
        try await client.metadataOffThread(timeout: timeout)
    }

    /// Creates topics (`rd_kafka_CreateTopics`); a topic that already exists is not an error.
    /// - Returns: the names of topics that were created (not those that already existed).
    /// - Throws: ``KafkaError/Code-swift.struct/topicAdmin`` naming the first topic that failed and why.
    @discardableResult
    public func createTopics(_ topics: [NewTopic], timeout: Duration = .seconds(30)) async throws(KafkaError) -> [String] {
        let client = self.client
        return try await BlockingCall.run(name: "flywheel.kafka.admin") { () throws(KafkaError) in
            try Self.createTopics(topics, client: client, timeout: timeout)
        }
    }

    private static func createTopics(
        _ topics: [NewTopic],
        client: RDKafkaClient,
        timeout: Duration
    ) throws(KafkaError) -> [String] {
        var errorText = [CChar](repeating: 0, count: 512)
        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for topic in topics {
            guard
                let newTopic = rd_kafka_NewTopic_new(
                    topic.name, topic.partitions, topic.replicationFactor, &errorText, errorText.count
                )
            else {
                throw KafkaError(code: .topicAdmin, reason: "topic '\(topic.name)': \(String(errorBuffer: errorText))")
            }
            newTopics.append(newTopic)
            for (name, value) in topic.configs.sorted(by: { $0.key < $1.key }) {
                let err = rd_kafka_NewTopic_set_config(newTopic, name, value)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    throw KafkaError.from(err, code: .topicAdmin, context: "topic '\(topic.name)' config '\(name)'")
                }
            }
        }
        // A private queue for this one result ("rd_kafka_queue_new … destroy with rd_kafka_queue_destroy").
        let queue = rd_kafka_queue_new(client.handle)!
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(client.handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)!
        defer { rd_kafka_AdminOptions_destroy(options) }
        let milliseconds = Int32(clamping: timeout.milliseconds)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, milliseconds, &errorText, errorText.count)
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, milliseconds, &errorText, errorText.count)
        newTopics.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_CreateTopics(client.handle, buffer.baseAddress, buffer.count, options, queue)
        }
        guard let event = rd_kafka_queue_poll(queue, milliseconds + 1000) else {
            throw KafkaError(
                code: .topicAdmin,
                reason: "creating topics timed out after \(timeout) (bootstrap.servers=\(client.bootstrapServers))",
                responseCode: .timedOut
            )
        }
        defer { rd_kafka_event_destroy(event) }
        let requestError = rd_kafka_event_error(event)
        if requestError != RD_KAFKA_RESP_ERR_NO_ERROR {
            let text = String(cString: rd_kafka_event_error_string(event))
            throw KafkaError(
                code: .topicAdmin,
                reason: "creating topics failed: \(text) (bootstrap.servers=\(client.bootstrapServers))",
                responseCode: KafkaResponseCode(rawValue: requestError.rawValue)
            )
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else { return [] }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return [] }
        var created: [String] = []
        for index in 0..<count {
            let topicResult = results[index]
            let name = String(cString: rd_kafka_topic_result_name(topicResult))
            let err = rd_kafka_topic_result_error(topicResult)
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                created.append(name)
            } else if err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
                let detail = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) } ?? ""
                throw KafkaError(
                    code: .topicAdmin,
                    reason: "creating topic '\(name)' failed: \(detail)",
                    responseCode: KafkaResponseCode(rawValue: err.rawValue)
                )
            }
        }
        return created
    }
}
