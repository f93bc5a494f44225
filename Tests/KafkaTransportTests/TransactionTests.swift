import KafkaTransport
import Testing

/// The transactional API against the embedded broker. The broker runs the protocol (InitProducerId, AddPartitions,
/// AddOffsets, TxnOffsetCommit, EndTxn) but does not isolate aborted records, so these tests check the API flow and
/// how errors are classified, not isolation (../shared/PLATFORM-NOTES.md).
@Suite("Transactions")
struct TransactionTests {
    /// A broker with an input and an output topic, a consumer on the input, and a fresh transactional producer.
    struct Fixture {
        let broker: EmbeddedBroker
        let input = uniqueName("txn-in")
        let output = uniqueName("txn-out")
        let consumer: KafkaConsumer

        init() throws {
            let logger = makeSilentLogger()
            broker = try EmbeddedBroker(logger: logger)
            try broker.createTopic(input, partitions: 1)
            try broker.createTopic(output, partitions: 1)
            consumer = try KafkaConsumer(
                configuration: fastGroupConsumer(bootstrap: broker.bootstrapServers, group: uniqueName("txn-group")),
                logger: logger
            )
        }

        func makeProducer() throws -> KafkaProducer {
            var configuration = testProducer(bootstrap: broker.bootstrapServers)
            configuration.transactionalID = uniqueName("txn")
            return try KafkaProducer(configuration: configuration, logger: makeSilentLogger())
        }

        func outputMessage(_ index: Int) -> KafkaOutgoingMessage {
            KafkaOutgoingMessage(topic: output, key: "k\(index)", value: Array("out-\(index)".utf8))
        }
    }

    /// Consume, transform, produce: init, begin, send, send offsets, commit; then begin, send, abort.
    @Test func consumeTransformProduceFlow() async throws {
        let fixture = try Fixture()
        let seeder = try KafkaProducer(
            configuration: testProducer(bootstrap: fixture.broker.bootstrapServers), logger: makeSilentLogger())
        _ = try await withRunning([seeder]) {
            try await seeder.deliver((0..<10).map {
                KafkaOutgoingMessage(topic: fixture.input, key: "k\($0)", value: Array("in-\($0)".utf8))
            })
        }
        try await fixture.consumer.assign([.init(topic: fixture.input, partition: 0, offset: KafkaTopicPartitionOffset.beginning)])
        let producer = try fixture.makeProducer()

        try await withRunning([producer, fixture.consumer]) {
            var iterator = fixture.consumer.messages.makeAsyncIterator()
            var inputs: [KafkaConsumerMessage] = []
            while inputs.count < 10, let batch = await iterator.next() { inputs += batch }
            #expect(inputs.count == 10)

            try await producer.initializeTransactions()
            try producer.beginTransaction()
            let outputs = inputs.map { input in
                KafkaOutgoingMessage(topic: fixture.output, key: input.key, value: Array("out-".utf8) + input.value)
            }
            let reports = try await producer.deliver(outputs)
            #expect(reports.allSatisfy { $0.isDelivered })
            let last = try #require(inputs.last)
            try await producer.sendOffsetsToTransaction(
                [.init(topic: last.topic, partition: last.partition, offset: last.offset + 1)],
                consumer: fixture.consumer
            )
            try await producer.commitTransaction()

            try producer.beginTransaction()
            _ = try await producer.deliver([fixture.outputMessage(99)])
            try await producer.abortTransaction()

            // A second begin while one is open is refused with a classified error.
            try producer.beginTransaction()
            #expect(throws: KafkaError.self) { try producer.beginTransaction() }
            try await producer.abortTransaction()
        }
        #expect(producer.statistics.delivered == 11)
    }

    /// Without `transactional.id`, the transactional calls say what is missing.
    @Test func transactionsNeedATransactionalID() async throws {
        let broker = try EmbeddedBroker(logger: makeSilentLogger())
        let producer = try KafkaProducer(configuration: testProducer(bootstrap: broker.bootstrapServers), logger: makeSilentLogger())
        let error = try #require(throws: KafkaError.self) { try producer.beginTransaction() }
        #expect(error.code == .invalidConfiguration)
        #expect(error.reason.contains("transactional.id"))
    }

    /// One injected error, where it strikes, and how librdkafka classifies it.
    struct InjectedError: Sendable, CustomTestStringConvertible {
        let api: KafkaAPIKey
        let code: KafkaResponseCode
        let isFatal: Bool
        let isAbortRequired: Bool
        var testDescription: String { "\(code.name) on API \(api.rawValue)" }
    }

    /// Errors injected on AddPartitionsToTxn (24), AddOffsetsToTxn (25), EndTxn (26) and TxnOffsetCommit (28) surface
    /// as ``KafkaError``s with librdkafka's classification; after an abortable one, abort and a new transaction work.
    /// The expected classes were observed from librdkafka 2.0.2 and match its transaction manager
    /// (rdkafka_txnmgr.c): authorization and invalid-request errors abort the transaction; fencing and invalid
    /// state are fatal.
    @Test(arguments: [
        InjectedError(api: .addPartitionsToTransaction, code: .topicAuthorizationFailed, isFatal: false, isAbortRequired: true),
        InjectedError(api: .addOffsetsToTransaction, code: .groupAuthorizationFailed, isFatal: false, isAbortRequired: true),
        InjectedError(api: .transactionOffsetCommit, code: .groupAuthorizationFailed, isFatal: false, isAbortRequired: true),
        InjectedError(api: .endTransaction, code: .invalidRequest, isFatal: false, isAbortRequired: true),
        InjectedError(api: .endTransaction, code: .producerFenced, isFatal: true, isAbortRequired: false),
        InjectedError(api: .addPartitionsToTransaction, code: .transactionalIDAuthorizationFailed, isFatal: true, isAbortRequired: false),
        InjectedError(api: .addOffsetsToTransaction, code: .invalidTransactionState, isFatal: true, isAbortRequired: false),
    ])
    func injectedErrorsAreClassified(_ injected: InjectedError) async throws {
        let fixture = try Fixture()
        let producer = try fixture.makeProducer()
        var caught: KafkaError?
        do {
            try await withRunning([producer]) {
                try await producer.initializeTransactions()
                try producer.beginTransaction()
                fixture.broker.injectErrors(for: injected.api, [injected.code])
                do {
                    _ = try await producer.deliver([fixture.outputMessage(0)])
                    try await producer.sendOffsetsToTransaction(
                        [.init(topic: fixture.input, partition: 0, offset: 1)], consumer: fixture.consumer,
                        timeout: .seconds(5))
                    try await producer.commitTransaction(timeout: .seconds(5))
                } catch let error as KafkaError {
                    caught = error
                }
                guard let caught, caught.isTransactionAbortRequired else { return }
                // Recovery from an abortable error: abort, then a clean transaction commits.
                try await producer.abortTransaction()
                try producer.beginTransaction()
                _ = try await producer.deliver([fixture.outputMessage(1)])
                try await producer.commitTransaction()
            }
        } catch let error as KafkaError where injected.isFatal && error.isFatal {
            // A fatal error also ends the producer's service, as it should.
        }
        let error = try #require(caught, "the injected \(injected.code.name) surfaced as an error")
        #expect(error.code == .transaction)
        #expect(error.isFatal == injected.isFatal)
        #expect(error.isTransactionAbortRequired == injected.isAbortRequired)
        #expect(!error.description.isEmpty)
    }

    /// A commit that cannot finish within its timeout (every broker answers 2 s late) is retriable, and the retry
    /// succeeds once the brokers are fast again.
    @Test func commitTimeoutIsRetriable() async throws {
        let fixture = try Fixture()
        let producer = try fixture.makeProducer()
        try await withRunning([producer]) {
            try await producer.initializeTransactions()
            try producer.beginTransaction()
            _ = try await producer.deliver([fixture.outputMessage(0)])
            try fixture.broker.setRoundTripTime(.seconds(2))
            let error = await #expect(throws: KafkaError.self) {
                try await producer.commitTransaction(timeout: .milliseconds(300))
            }
            #expect(error?.isRetriable == true)
            #expect(error?.isFatal == false)
            try fixture.broker.setRoundTripTime(.zero)
            try await producer.commitTransaction(timeout: .seconds(10))
        }
    }
}
