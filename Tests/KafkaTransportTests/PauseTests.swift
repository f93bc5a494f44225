import KafkaTransport
import Synchronization
import Testing

@Suite("Pausing a topic on the embedded broker")
struct PauseTests {
    /// A consumer of two topics pauses one: records of the other keep coming, none of the paused one does; once
    /// resumed, every record of the paused topic arrives, in order, none skipped and none twice.
    @Test func aPausedTopicWaitsAndResumesWhereItStopped() async throws {
        let logger = makeTestLogger()
        let broker = try EmbeddedBroker(brokers: 1, logger: logger)
        let held = uniqueName("held"), flowing = uniqueName("flowing")
        for topic in [held, flowing] { try broker.createTopic(topic, partitions: 2, replicationFactor: 1) }
        let producer = try KafkaProducer(configuration: testProducer(bootstrap: broker.bootstrapServers), logger: logger)
        let consumer = try KafkaConsumer(
            configuration: fastGroupConsumer(bootstrap: broker.bootstrapServers, group: uniqueName("pause")), logger: logger)
        try await consumer.assign([held, flowing].flatMap { topic in
            (0..<2).map { KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: KafkaTopicPartitionOffset.beginning) }
        })
        consumer.pauseFetching(Set((0..<2).map { KafkaTopicPartition(topic: held, partition: $0) }))
        #expect(consumer.pausedPartitions.count == 2 && consumer.pausedPartitions.allSatisfy { $0.topic == held })
        let received = TopicLog()
        func count(_ topic: String) -> Int { received.records(of: topic).count }

        try await withRunning([producer, consumer]) {
            let reader = Task {
                for await batch in consumer.messages {
                    received.record(batch)
                    consumer.storeOffsets(for: batch)
                }
            }
            let reports = try await producer.deliver([held, flowing].flatMap { topic in
                (0..<500).map { KafkaOutgoingMessage(topic: topic, key: "k\($0)", value: Array("\($0)".utf8)) }
            })
            #expect(reports.allSatisfy { $0.isDelivered })
            let deadline = Deadline(.seconds(30))
            while count(flowing) < 500 && !deadline.hasPassed { try await Task.sleep(for: .milliseconds(20)) }
            try await Task.sleep(for: .seconds(1))  // time enough for the paused topic to show up, were it fetched
            #expect(count(flowing) == 500)
            #expect(count(held) == 0, "nothing of the paused topic is fetched")

            consumer.pauseFetching([])
            #expect(consumer.pausedPartitions.isEmpty)
            while count(held) < 500 && !deadline.hasPassed { try await Task.sleep(for: .milliseconds(20)) }
            try await Task.sleep(for: .milliseconds(300))
            consumer.requestStop()
            await reader.value
        }
        let log = received.records(of: held)
        #expect(log.count == 500, "every record of the resumed topic, once")
        for partition: Int32 in [0, 1] {
            let offsets = log.filter { $0.partition == partition }.map(\.offset)
            #expect(offsets == Array(0..<Int64(offsets.count)), "partition \(partition) from its first record, in order")
        }
    }
}

/// What a consumer read, by topic: each record's partition and offset.
final class TopicLog: Sendable {
    private let log = Mutex<[String: [(partition: Int32, offset: Int64)]]>([:])

    func record(_ batch: [KafkaConsumerMessage]) {
        log.withLock { log in
            for message in batch { log[message.topic, default: []].append((message.partition, message.offset)) }
        }
    }

    func records(of topic: String) -> [(partition: Int32, offset: Int64)] { log.withLock { $0[topic] ?? [] } }
}
