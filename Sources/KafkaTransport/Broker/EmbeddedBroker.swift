import CRdKafka
import Logging
import ServiceLifecycle

// MARK: - EmbeddedBroker

/// A Kafka-protocol cluster inside this process: librdkafka's mock cluster (`rdkafka_mock.h`), on 127.0.0.1 with
/// ports chosen by the OS.
///
/// Any Kafka client — Flywheel's own, `kcat`, kafka-python — connects to ``bootstrapServers`` over TCP. It supports
/// produce, fetch, consumer groups, offset commits and the transactional API, and offers fault injection (brokers
/// down, latency, injected error codes) for reliability tests. It is a test and demo broker, not a production one:
/// data lives in memory, each partition keeps at most about 5 MB or 100,000 message sets, and transactions are not
/// isolated (see ../shared/PLATFORM-NOTES.md).
///
/// As a `Service`, ``run()`` keeps it up until graceful shutdown; it stops when the object is released.
public final class EmbeddedBroker: Service, @unchecked Sendable {
    // @unchecked Sendable: `cluster` is only used through librdkafka's mock API, which hands each call to the
    // cluster's own thread (rdkafka_mock.c: "rd_kafka_mock_… ops are enqueued on the mock cluster's op queue");
    // both pointers are immutable after init and freed in deinit.

    /// `host:port,…` of every broker, for `bootstrap.servers`.
    public let bootstrapServers: String
    /// How many brokers the cluster has (ids 1…N).
    public let brokerCount: Int

    private let client: RDKafkaClient
    private let cluster: OpaquePointer
    private let logger: Logger

    /// Starts `brokers` brokers.
    /// - Parameters:
    ///   - brokers: how many brokers (1–16). Default: 1.
    ///   - logger: receives the cluster's log lines.
    /// - Throws: ``KafkaError/Code-swift.struct/embeddedBroker`` if librdkafka cannot start the cluster.
    public init(brokers: Int = 1, logger: Logger) throws(KafkaError) {
        guard (1...16).contains(brokers) else {
            throw KafkaError(code: .embeddedBroker, reason: "the embedded broker runs 1 to 16 brokers, not \(brokers)")
        }
        var logger = logger
        logger[metadataKey: KafkaLogKey.role] = "broker"
        self.logger = logger
        // The cluster lives on a bare producer handle that never produces (rdkafka_mock.h: "rd_kafka_mock_cluster_new
        // … rk: an existing rd_kafka_t instance, used for … logging and the background thread").
        self.client = try RDKafkaClient(
            kind: .producer,
            // log_level 4 (warning): the bare handle has no bootstrap.servers, which librdkafka notes at level 5.
            properties: [("client.id", "flywheel-embedded-broker"), ("log_level", "4")],
            context: RDKafkaClientContext(logger: logger)
        )
        guard let cluster = rd_kafka_mock_cluster_new(client.handle, Int32(brokers)) else {
            throw KafkaError(code: .embeddedBroker, reason: "librdkafka could not create the mock cluster")
        }
        self.cluster = cluster
        self.brokerCount = brokers
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        let ports = Set(bootstrapServers.split(separator: ",").compactMap { $0.split(separator: ":").last.flatMap { UInt16($0) } })
        let set = ListenerSockets.disableNagle(onPorts: ports)
        if set != ports.count {
            logger.warning("TCP_NODELAY not set on every broker listener; deliveries may take ~40 ms", metadata: [
                "kafka.listeners": "\(ports.count)", "kafka.listeners.nodelay": "\(set)",
            ])
        }
    }

    deinit {
        // Destroy the cluster before the handle it lives on.
        rd_kafka_mock_cluster_destroy(cluster)
    }

    /// Keeps the broker up until graceful shutdown or cancellation.
    public func run() async throws {
        logger.info("Embedded Kafka broker listening", metadata: ["kafka.bootstrap": "\(bootstrapServers)"])
        try? await gracefulShutdown()
        logger.info("Embedded Kafka broker stopping")
    }

    /// Creates a topic (`rd_kafka_mock_topic_create`). Topics are otherwise auto-created on first use with 4
    /// partitions.
    /// - Throws: ``KafkaError/Code-swift.struct/embeddedBroker`` if it exists or the arguments are invalid.
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws(KafkaError) {
        let err = rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor)
        try Self.check(err, "creating topic '\(name)' with \(partitions) partitions")
    }

    static func check(_ err: rd_kafka_resp_err_t, _ action: String) throws(KafkaError) {
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.from(err, code: .embeddedBroker, context: action)
        }
    }

    /// The mock cluster, for the fault-injection extension.
    var mockCluster: OpaquePointer { cluster }
}
