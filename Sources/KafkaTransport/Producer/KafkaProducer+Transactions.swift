import CRdKafka

extension KafkaProducer {
    /// Registers the `transactional.id` with the cluster and fences older producers with the same id
    /// (`rd_kafka_init_transactions`). Call once, before the first transaction.
    /// - Throws: a ``KafkaError/Code-swift.struct/transaction`` error classified as librdkafka classifies it:
    ///   ``KafkaError/isRetriable`` (call again), or ``KafkaError/isFatal``.
    public func initializeTransactions(timeout: Duration = .seconds(30)) async throws(KafkaError) {
        try requireTransactional()
        let client = self.client
        try await BlockingCall.run(name: "flywheel.kafka.txn.init") { () throws(KafkaError) in
            try Self.check(rd_kafka_init_transactions(client.handle, Int32(clamping: timeout.milliseconds)),
                           "initializing transactions")
        }
    }

    /// Starts a transaction (`rd_kafka_begin_transaction`); messages sent from now on belong to it.
    /// - Throws: a ``KafkaError/Code-swift.struct/transaction`` error, e.g. when one is already open.
    public func beginTransaction() throws(KafkaError) {
        try requireTransactional()
        try Self.check(rd_kafka_begin_transaction(client.handle), "beginning a transaction")
    }

    /// Adds the consumer's positions to the transaction, so they commit atomically with its messages
    /// (`rd_kafka_send_offsets_to_transaction`).
    /// - Parameters:
    ///   - offsets: for each input partition, the offset of the *next* record to consume (last processed + 1).
    ///   - consumer: the consumer those records came from; its group metadata fences zombie instances.
    ///   - timeout: how long to wait for the coordinator.
    /// - Throws: a ``KafkaError/Code-swift.struct/transaction`` error; ``KafkaError/isTransactionAbortRequired``
    ///   means: abort, rewind the consumer, and retry the work.
    public func sendOffsetsToTransaction(
        _ offsets: [KafkaTopicPartitionOffset],
        consumer: KafkaConsumer,
        timeout: Duration = .seconds(30)
    ) async throws(KafkaError) {
        try requireTransactional()
        let client = self.client
        let consumerClient = consumer.client
        try await BlockingCall.run(name: "flywheel.kafka.txn.offsets") { () throws(KafkaError) in
            guard let metadata = rd_kafka_consumer_group_metadata(consumerClient.handle) else {
                throw KafkaError(code: .transaction, reason: "the consumer has no group metadata (no group.id?)")
            }
            // "The returned pointer must be freed by the application using rd_kafka_consumer_group_metadata_destroy()"
            defer { rd_kafka_consumer_group_metadata_destroy(metadata) }
            let list = RDKafkaTopicPartitionList(offsets)
            try Self.check(
                rd_kafka_send_offsets_to_transaction(
                    client.handle, list.pointer, metadata, Int32(clamping: timeout.milliseconds)
                ),
                "sending offsets to the transaction"
            )
        }
    }

    /// Commits the open transaction, first delivering its outstanding messages (`rd_kafka_commit_transaction`).
    /// - Throws: a ``KafkaError/Code-swift.struct/transaction`` error: retriable (call again), abort required
    ///   (call ``abortTransaction(timeout:)``), or fatal.
    /// - Important: ``run()`` must be running: it serves the delivery reports the commit waits for.
    public func commitTransaction(timeout: Duration = .seconds(30)) async throws(KafkaError) {
        try requireTransactional()
        let client = self.client
        try await BlockingCall.run(name: "flywheel.kafka.txn.commit") { () throws(KafkaError) in
            try Self.check(rd_kafka_commit_transaction(client.handle, Int32(clamping: timeout.milliseconds)),
                           "committing the transaction")
        }
    }

    /// Aborts the open transaction; its messages are purged or marked aborted (`rd_kafka_abort_transaction`).
    /// - Throws: a ``KafkaError/Code-swift.struct/transaction`` error: retriable (call again) or fatal.
    public func abortTransaction(timeout: Duration = .seconds(30)) async throws(KafkaError) {
        try requireTransactional()
        let client = self.client
        try await BlockingCall.run(name: "flywheel.kafka.txn.abort") { () throws(KafkaError) in
            try Self.check(rd_kafka_abort_transaction(client.handle, Int32(clamping: timeout.milliseconds)),
                           "aborting the transaction")
        }
    }

    private func requireTransactional() throws(KafkaError) {
        if configuration.transactionalID == nil {
            throw KafkaError(
                code: .invalidConfiguration,
                reason: "transactions need transactional.id; set KafkaProducerConfiguration.transactionalID"
            )
        }
    }

    /// Throws the classified error if librdkafka returned one.
    private static func check(_ error: OpaquePointer?, _ action: String) throws(KafkaError) {
        if let error { throw KafkaError.consuming(error, code: .transaction, context: action) }
    }
}
