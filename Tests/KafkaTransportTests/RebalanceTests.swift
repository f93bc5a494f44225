import KafkaTransport
import Synchronization
import Testing

@Suite("Rebalancing on the embedded broker")
struct RebalanceTests {
    /// A second consumer joins mid-stream and later leaves. No message is lost, and the duplicates are no more than
    /// what was handed out but uncommitted when partitions were revoked (measured by the consumers themselves).
    ///
    /// The embedded broker refuses offset commits while a group is rebalancing (REBALANCE_IN_PROGRESS; a real Kafka
    /// coordinator accepts them while the group prepares to rebalance), so here the bound includes everything the
    /// first member read during the join window.
    @Test func memberJoinsAndLeavesMidStreamWithoutLoss() async throws {
        let logger = makeTestLogger()
        let broker = try EmbeddedBroker(logger: logger)
        let topic = uniqueName("rebalance")
        try broker.createTopic(topic, partitions: 4)
        let group = uniqueName("rebalance-group")
        let producer = try KafkaProducer(configuration: testProducer(bootstrap: broker.bootstrapServers), logger: logger)
        let first = try KafkaConsumer(
            configuration: fastGroupConsumer(bootstrap: broker.bootstrapServers, group: group), logger: logger)
        let second = try KafkaConsumer(
            configuration: fastGroupConsumer(bootstrap: broker.bootstrapServers, group: group), logger: logger)
        try first.subscribe(topics: [topic])
        let received = ReceivedLog()
        let produced = SharedInt()
        let secondHasLeft = SharedFlag()

        try await withRunning([producer, first]) {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                // Producer: keeps a steady stream going until the second member has come and gone, then 5,000 more.
                tasks.addTask {
                    var index = 0
                    var extra = 0
                    while extra < 5 {
                        let batch = (0..<1000).map { offset in
                            KafkaOutgoingMessage(topic: topic, key: "k\(index + offset)", value: Array("\(index + offset)".utf8))
                        }
                        let reports = try await producer.deliver(batch)
                        #expect(reports.allSatisfy { $0.isDelivered })
                        index += batch.count
                        produced.set(index)
                        if secondHasLeft.isSet { extra += 1 }
                        try await Task.sleep(for: .milliseconds(40))
                    }
                }
                // First member: consumes throughout.
                tasks.addTask {
                    for await batch in first.messages {
                        received.record(batch, consumer: 0)
                        try await Task.sleep(for: .milliseconds(2))  // work in progress while a rebalance may hit
                        first.storeOffsets(for: batch)
                    }
                }
                // Second member: joins once the first is well under way, takes a share, then leaves.
                tasks.addTask {
                    let deadline = Deadline(.seconds(60))
                    while received.total < 3000 && !deadline.hasPassed { try await Task.sleep(for: .milliseconds(20)) }
                    try second.subscribe(topics: [topic])
                    try await withRunning([second]) {
                        for await batch in second.messages {
                            received.record(batch, consumer: 1)
                            try await Task.sleep(for: .milliseconds(2))
                            second.storeOffsets(for: batch)
                            if received.perConsumer[1, default: 0] >= 4000 { break }
                        }
                    }
                    secondHasLeft.set()
                }
                // Wait until the stream is over and everything produced has been seen.
                let deadline = Deadline(.seconds(120))
                while !deadline.hasPassed {
                    let total = produced.value
                    if secondHasLeft.isSet && total > 0 && received.uniqueCount == total
                        && total >= 9000
                    {
                        break
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
                first.requestStop()
                try await tasks.waitForAll()
            }
        }

        let total = produced.value
        #expect(received.uniqueCount == total, "every produced message was consumed")
        #expect(received.perConsumer[1, default: 0] > 0, "the second member took a share")
        // The first member lost its partitions when the second joined, and got them back when it left.
        #expect(first.statistics.revocations >= 2)
        #expect(first.statistics.assignments >= 3)
        let duplicates = received.total - received.uniqueCount
        let bound = first.statistics.uncommittedAtRevocation + second.statistics.uncommittedAtRevocation
        #expect(duplicates <= bound, "duplicates \(duplicates) exceed the uncommitted-at-revocation bound \(bound)")
        print("rebalance: produced \(total), received \(received.total), duplicates \(duplicates), bound \(bound)")
    }
}
