import KafkaTransport
import Testing

@Suite("Stopping a consumer on the embedded broker")
struct ConsumerStopTests {
    /// A consumer waits in `rd_kafka_consumer_poll` for up to its poll timeout when no records come; asked to stop,
    /// it returns at once instead of waiting the timeout out (a process stops its consumers one after another, so
    /// every wait would add up). The timeout here is a minute; the stop must take far less.
    @Test func anIdleConsumerStopsWithoutWaitingOutItsPoll() async throws {
        let (broker, _, consumer) = try await slowPollingConsumer()
        let running = Task { try await consumer.run() }
        try await Task.sleep(for: .seconds(1))  // well inside its first poll
        let took = try await timeToStop(consumer, running: running, broker: broker)
        #expect(took < .seconds(20), "stopping took \(took), as long as the poll timeout")
    }

    /// With every batch slot held by an application that has not taken its batch, the poll thread waits for a slot
    /// (back-pressure) for up to the poll timeout; a stop ends that wait too.
    @Test func aConsumerHeldByBackPressureStopsAtOnce() async throws {
        let (broker, topic, consumer) = try await slowPollingConsumer { configuration in
            configuration.bufferedBatches = 1
            configuration.maximumBatchSize = 10
        }
        let producer = try KafkaProducer(configuration: testProducer(bootstrap: broker.bootstrapServers), logger: makeTestLogger())
        try await withRunning([producer]) {
            let reports = try await producer.deliver((0..<100).map {
                KafkaOutgoingMessage(topic: topic, key: "k\($0)", value: Array("\($0)".utf8))
            })
            #expect(reports.allSatisfy { $0.isDelivered })
        }
        let running = Task { try await consumer.run() }
        // The application takes one batch of 10 and no more: the next batch holds the only slot, and the poll thread
        // waits for it.
        var batches = consumer.messages.makeAsyncIterator()
        let first = await batches.next()
        #expect(first?.count == 10)
        #expect(consumer.statistics.messagesHandedOut == 10)
        try await Task.sleep(for: .seconds(1))
        let took = try await timeToStop(consumer, running: running, broker: broker)
        #expect(took < .seconds(20), "stopping took \(took), as long as the poll timeout")
    }

    /// A broker with a one-partition topic, and a consumer of it with a poll timeout of a minute (and `adjust`'s
    /// settings), assigned from the beginning and not yet running.
    private func slowPollingConsumer(
        _ adjust: (inout KafkaConsumerConfiguration) -> Void = { _ in }
    ) async throws -> (EmbeddedBroker, String, KafkaConsumer) {
        let logger = makeTestLogger()
        let broker = try EmbeddedBroker(brokers: 1, logger: logger)
        let topic = uniqueName("stop")
        try broker.createTopic(topic, partitions: 1, replicationFactor: 1)
        var configuration = fastGroupConsumer(bootstrap: broker.bootstrapServers, group: uniqueName("stop-group"))
        configuration.pollTimeout = .seconds(60)
        adjust(&configuration)
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        try await consumer.assign([KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: KafkaTopicPartitionOffset.beginning)])
        return (broker, topic, consumer)
    }

    /// Asks `consumer` to stop and returns how long its `run` (`running`) took to return; `broker` lives until then.
    private func timeToStop(
        _ consumer: KafkaConsumer, running: Task<Void, any Error>, broker: EmbeddedBroker
    ) async throws -> Duration {
        let asked = ContinuousClock.now
        consumer.requestStop()
        try await running.value
        let took = ContinuousClock.now - asked
        withExtendedLifetime(broker) {}
        return took
    }
}
