import KafkaTransport
import Testing

@Suite("Broker faults")
struct FaultInjectionTests {
    /// Every broker goes down for 3 s in the middle of producing. The idempotent producer queues, retries, and after
    /// recovery every message is delivered exactly once: the topic holds each value once.
    @Test func allBrokersDownWhileProducingLosesAndDuplicatesNothing() async throws {
        let broker = try EmbeddedBroker(brokers: 3, logger: makeSilentLogger())
        let topic = uniqueName("faults")
        try broker.createTopic(topic, partitions: 4, replicationFactor: 3)
        var configuration = testProducer(bootstrap: broker.bootstrapServers)
        configuration.isIdempotent = true
        let producer = try KafkaProducer(configuration: configuration, logger: makeSilentLogger())
        let batches = 24
        let batchSize = 500
        let outageStarted = SharedFlag()

        try await withRunning([producer]) {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask {
                    for batch in 0..<batches {
                        let messages = (0..<batchSize).map { index in
                            let value = batch * batchSize + index
                            return KafkaOutgoingMessage(topic: topic, key: "k\(value)", value: Array("\(value)".utf8))
                        }
                        // Sent without waiting, so batches pile up in the queue during the outage.
                        for message in messages { try await producer.send(message) }
                        if batch == batches / 3 {
                            while !outageStarted.isSet { try await Task.sleep(for: .milliseconds(5)) }
                        }
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    try await producer.flush(timeout: .seconds(60))
                }
                tasks.addTask {
                    while producer.statistics.delivered < batchSize * 4 { try await Task.sleep(for: .milliseconds(5)) }
                    try broker.setDown(.all)
                    outageStarted.set()
                    try await Task.sleep(for: .seconds(3))
                    try broker.setUp(.all)
                }
                try await tasks.waitForAll()
            }
        }
        let total = batches * batchSize
        #expect(producer.statistics.enqueued == total)
        #expect(producer.statistics.delivered == total)
        #expect(producer.statistics.failed == 0)

        let consumer = try KafkaConsumer(
            configuration: fastGroupConsumer(bootstrap: broker.bootstrapServers, group: uniqueName("faults")),
            logger: makeSilentLogger())
        try await consumer.assign((0..<4).map { .init(topic: topic, partition: $0, offset: KafkaTopicPartitionOffset.beginning) })
        let received = ReceivedLog()
        try await withRunning([consumer]) {
            let deadline = Deadline(.seconds(60))
            for await batch in consumer.messages {
                received.record(batch, consumer: 0)
                if received.total >= total || deadline.hasPassed { break }
            }
            // Anything beyond `total` would be a duplicate: give it a moment to show up.
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(received.uniqueCount == total, "every message is in the topic")
        #expect(received.total == total, "no message is in the topic twice")
    }
}
