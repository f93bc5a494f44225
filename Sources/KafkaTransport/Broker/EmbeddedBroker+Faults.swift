import CRdKafka

// MARK: - Fault injection

extension EmbeddedBroker {
    /// Which broker a fault applies to.
    public enum BrokerSelection: Sendable, Hashable {
        /// Every broker of the cluster.
        case all
        /// One broker, by id (1…``EmbeddedBroker/brokerCount``).
        case id(Int32)

        var rawID: Int32 {
            switch self {
            case .all: -1
            case .id(let id): id
            }
        }
    }

    /// Takes brokers down: their connections close and new ones are refused until ``setUp(_:)``
    /// (`rd_kafka_mock_broker_set_down`).
    public func setDown(_ brokers: BrokerSelection = .all) throws(KafkaError) {
        try forEach(brokers) { id throws(KafkaError) in
            try Self.check(rd_kafka_mock_broker_set_down(mockCluster, id), "taking broker \(id) down")
        }
    }

    /// Brings brokers back up (`rd_kafka_mock_broker_set_up`).
    public func setUp(_ brokers: BrokerSelection = .all) throws(KafkaError) {
        try forEach(brokers) { id throws(KafkaError) in
            try Self.check(rd_kafka_mock_broker_set_up(mockCluster, id), "bringing broker \(id) up")
        }
    }

    /// Delays every response of the brokers by `roundTripTime` (`rd_kafka_mock_broker_set_rtt`).
    public func setRoundTripTime(_ roundTripTime: Duration, _ brokers: BrokerSelection = .all) throws(KafkaError) {
        let milliseconds = Int32(clamping: roundTripTime.milliseconds)
        try forEach(brokers) { id throws(KafkaError) in
            try Self.check(rd_kafka_mock_broker_set_rtt(mockCluster, id, milliseconds), "setting broker \(id) latency")
        }
    }

    /// Makes the next requests of one kind fail with the given codes, one code per request, cluster-wide
    /// (`rd_kafka_mock_push_request_errors_array`).
    /// - Parameters:
    ///   - api: the request kind.
    ///   - errors: the codes the next requests of that kind get, in order.
    public func injectErrors(for api: KafkaAPIKey, _ errors: [KafkaResponseCode]) {
        let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0.rawValue) }
        codes.withUnsafeBufferPointer { buffer in
            rd_kafka_mock_push_request_errors_array(mockCluster, api.rawValue, buffer.count, buffer.baseAddress)
        }
    }

    /// Forgets errors injected for `api` that have not been used yet (`rd_kafka_mock_clear_request_errors`).
    public func clearInjectedErrors(for api: KafkaAPIKey) {
        rd_kafka_mock_clear_request_errors(mockCluster, api.rawValue)
    }

    /// Moves a partition's leadership to `broker` (`rd_kafka_mock_partition_set_leader`).
    public func setPartitionLeader(topic: String, partition: Int32, broker: Int32) throws(KafkaError) {
        try Self.check(
            rd_kafka_mock_partition_set_leader(mockCluster, topic, partition, broker),
            "moving \(topic)[\(partition)] to broker \(broker)"
        )
    }

    /// Makes `broker` the coordinator of a group or transactional id (`rd_kafka_mock_coordinator_set`).
    /// - Parameters:
    ///   - kind: `"group"` or `"transaction"`.
    ///   - key: the group id or transactional id.
    public func setCoordinator(kind: String, key: String, broker: Int32) throws(KafkaError) {
        try Self.check(rd_kafka_mock_coordinator_set(mockCluster, kind, key, broker), "setting the \(kind) coordinator")
    }

    private func forEach(_ selection: BrokerSelection, _ body: (Int32) throws(KafkaError) -> Void) throws(KafkaError) {
        switch selection {
        case .all:
            for id in 1...Int32(brokerCount) { try body(id) }
        case .id(let id):
            try body(id)
        }
    }
}

// MARK: - KafkaAPIKey

/// A Kafka protocol request kind (API key), for injecting errors.
public struct KafkaAPIKey: RawRepresentable, Hashable, Sendable {
    /// The protocol's API key number.
    public let rawValue: Int16
    /// Wraps an API key number.
    public init(rawValue: Int16) { self.rawValue = rawValue }

    /// Produce (0).
    public static let produce = Self(rawValue: 0)
    /// Fetch (1).
    public static let fetch = Self(rawValue: 1)
    /// OffsetCommit (8).
    public static let offsetCommit = Self(rawValue: 8)
    /// OffsetFetch (9).
    public static let offsetFetch = Self(rawValue: 9)
    /// FindCoordinator (10).
    public static let findCoordinator = Self(rawValue: 10)
    /// JoinGroup (11).
    public static let joinGroup = Self(rawValue: 11)
    /// Heartbeat (12).
    public static let heartbeat = Self(rawValue: 12)
    /// SyncGroup (14).
    public static let syncGroup = Self(rawValue: 14)
    /// InitProducerId (22).
    public static let initProducerID = Self(rawValue: 22)
    /// AddPartitionsToTxn (24).
    public static let addPartitionsToTransaction = Self(rawValue: 24)
    /// AddOffsetsToTxn (25).
    public static let addOffsetsToTransaction = Self(rawValue: 25)
    /// EndTxn (26).
    public static let endTransaction = Self(rawValue: 26)
    /// TxnOffsetCommit (28).
    public static let transactionOffsetCommit = Self(rawValue: 28)
}
