import KafkaTransport
import Synchronization
import Testing

@Suite("Round trip on the embedded broker")
struct RoundTripTests {
    /// 100,000 keyed messages to a 4-partition topic, read by a consumer group of two: every message arrives once
    /// or more, each partition in order, and the delivery reports account for every message.
    @Test func hundredThousandKeyedMessagesThroughAGroupOfTwo() async throws {
        let logger = makeTestLogger()
        let broker = try EmbeddedBroker(brokers: 3, logger: logger)
        let topic = uniqueName("roundtrip")
        try broker.createTopic(topic, partitions: 4, replicationFactor: 3)
        let producer = try KafkaProducer(configuration: testProducer(bootstrap: broker.bootstrapServers), logger: logger)

        let count = 100_000
        let messages = (0..<count).map { index in
            KafkaOutgoingMessage(topic: topic, key: "key-\(index % 997)", value: Array("\(index)".utf8))
        }
        let reports = try await withRunning([producer]) { try await producer.deliver(messages) }

        #expect(reports.count == count)
        #expect(reports.allSatisfy { $0.isDelivered })
        #expect(Set(reports.map(\.partition)) == [0, 1, 2, 3])
        #expect(producer.statistics.delivered == count)
        // Same key, same partition.
        var partitionOfKey: [Int: Int32] = [:]
        for (index, report) in reports.enumerated() {
            let key = index % 997
            if let earlier = partitionOfKey[key] { #expect(earlier == report.partition) }
            partitionOfKey[key] = report.partition
        }
        // What each partition must hold, in offset order, according to the delivery reports.
        var expectedOrder: [Int32: [(Int64, String)]] = [:]
        for (index, report) in reports.enumerated() {
            expectedOrder[report.partition, default: []].append((try #require(report.offset), "\(index)"))
        }

        let group = uniqueName("roundtrip-group")
        let consumers = try (0..<2).map { _ in
            try KafkaConsumer(configuration: fastGroupConsumer(bootstrap: broker.bootstrapServers, group: group), logger: logger)
        }
        for consumer in consumers { try consumer.subscribe(topics: [topic]) }
        let received = ReceivedLog()

        try await withRunning(consumers) {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for (index, consumer) in consumers.enumerated() {
                    tasks.addTask {
                        for await batch in consumer.messages {
                            received.record(batch, consumer: index)
                            consumer.storeOffsets(for: batch)
                            if received.uniqueCount >= count { break }
                        }
                    }
                }
                let deadline = Deadline(.seconds(90))
                while received.uniqueCount < count && !deadline.hasPassed {
                    try await Task.sleep(for: .milliseconds(50))
                }
                for consumer in consumers { consumer.requestStop() }
                try await tasks.waitForAll()
            }
        }

        #expect(received.uniqueCount == count)
        let logs = received.partitions
        for (partition, expected) in expectedOrder {
            let got = try #require(logs[partition])
            // In order within the partition: offsets never go backwards, except where a rebalance replays.
            let deduplicated = Dictionary(got.map { ($0.offset, $0.value) }, uniquingKeysWith: { first, _ in first })
            #expect(deduplicated.count == expected.count)
            for (offset, value) in expected { #expect(deduplicated[offset] == value) }
            // Offsets only go backwards where a rebalance hands the partition over (replaying what was uncommitted).
            let backwardSteps = zip(got, got.dropFirst()).filter { $0.0.offset >= $0.1.offset }.count
            #expect(backwardSteps <= consumers.reduce(0) { $0 + $1.statistics.revocations })
        }
        let consumerStatistics = consumers.map(\.statistics)
        #expect(received.total - count <= consumerStatistics.reduce(0) { $0 + $1.uncommittedAtRevocation })
    }

    /// Headers (text, binary, without a value, none at all) arrive as sent by default; with `readsHeaders` off the
    /// same records arrive without them, keys and values intact.
    @Test func headersArriveUnlessTurnedOff() async throws {
        let logger = makeTestLogger()
        let broker = try EmbeddedBroker(logger: logger)
        let topic = uniqueName("headers")
        try broker.createTopic(topic, partitions: 1)
        let producer = try KafkaProducer(configuration: testProducer(bootstrap: broker.bootstrapServers), logger: logger)
        let headerSets: [[KafkaHeader]] = [
            [KafkaHeader(name: "origin", text: "flywheel"), KafkaHeader(name: "empty", value: nil)],
            [],
            [KafkaHeader(name: "bytes", value: [0, 255, 7]), KafkaHeader(name: "origin", text: "second")],
        ]
        let sent = headerSets.enumerated().map { index, headers in
            KafkaOutgoingMessage(topic: topic, key: "k\(index)", value: Array("v\(index)".utf8), headers: headers)
        }
        let reports = try await withRunning([producer]) { try await producer.deliver(sent) }
        #expect(reports.allSatisfy { $0.isDelivered })

        func readAll(readsHeaders: Bool) async throws -> [KafkaConsumerMessage] {
            var configuration = KafkaConsumerConfiguration(
                client: .init(bootstrapServers: [broker.bootstrapServers]), groupID: uniqueName("headers-group"))
            configuration.readsHeaders = readsHeaders
            let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
            try await consumer.assign([.init(topic: topic, partition: 0, offset: KafkaTopicPartitionOffset.beginning)])
            return try await withRunning([consumer]) {
                var received: [KafkaConsumerMessage] = []
                let deadline = Deadline(.seconds(30))
                for await batch in consumer.messages {
                    received += batch
                    if received.count >= sent.count || deadline.hasPassed { break }
                }
                return received
            }
        }

        let withHeaders = try await readAll(readsHeaders: true)
        #expect(withHeaders.map(\.headers) == headerSets)
        #expect(withHeaders.map(\.value) == sent.map(\.value))
        let withoutHeaders = try await readAll(readsHeaders: false)
        #expect(withoutHeaders.map(\.headers) == [[], [], []])
        #expect(withoutHeaders.map(\.key) == sent.map(\.key))
        #expect(withoutHeaders.map(\.value) == sent.map(\.value))
    }
}
